"""Constant tables (plain data), one module per kernel header family.

Each table names the UAPI header it comes from; flag tables are ordered the way
strace prints them (its ``src/xlat/*.in`` order), so ``A|B`` comes out identically.
"""
