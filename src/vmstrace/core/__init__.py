"""The nouns every stage passes and uses: events, errors, cache files, and the numbers
shared with the capture plugin (abi).  Nothing here imports a stage
(tests/unit/test_layering.py keeps it so)."""
