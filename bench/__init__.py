"""The benchmark suite: each module measures ours beside an honest baseline in the same run."""
