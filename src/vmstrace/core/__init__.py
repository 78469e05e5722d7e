"""The nouns every stage passes and uses: events, errors, cache files.  Nothing here
imports a stage (tests/unit/test_layering.py keeps it so)."""
