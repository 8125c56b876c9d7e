#!/usr/bin/env python
from zuofeng.cli import main

if __name__ == "__main__":
    main()
