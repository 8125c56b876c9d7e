"""Rule lists: the 过紧日子 negative list checked against spending, the non-rigid budget cut, the
village micro-power list.
"""
