"""Projects, programmes and one-stop approvals (一件事): milestones, pairings, enrolments,
approval cycle times, village ledgers.
"""
