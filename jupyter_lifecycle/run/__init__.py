"""Run notebooks through papermill with experiment capture (``nb2pipe run``).

``engine``: the papermill engine ``lifecycle`` (sends cell ids, loads capture in the kernel,
embeds the run record in the output notebook); ``params``: ``-p`` / ``-f`` parsing and checks;
``runner``: ``run_notebook()``; ``compare``: what differs between two run records.
Importing this package imports nothing heavy; papermill is imported by the modules that need it.
"""
