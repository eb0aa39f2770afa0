"""CI for a generated package: its configuration (``config``), the workflow's check module, and
the local runner behind ``nb2pipe ci`` (``local``)."""
