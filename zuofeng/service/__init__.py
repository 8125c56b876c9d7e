"""Service requests (诉求直通车): enterprises, grids, visits, requests in a working-day closed
loop, public intake, Open311.
"""
