"""Competitions (四季比拼、五榜赛马): races, seasons, boards scored from indicators, red and black
lists.
"""
