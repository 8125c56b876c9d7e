"""Study and activities: 三会一课, cadence compliance, coverage, content channels, the youth
study society.
"""
