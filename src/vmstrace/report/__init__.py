"""`vmstrace report`: what a trace says a run did, as facts (``facts.py``) and as one
self-contained HTML page (``html.py``), from a JSON trace (``reader.py``) or live
(``sink.py``).  docs/report.md says what each fact means."""
