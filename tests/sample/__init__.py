"""A small regulated record with a workflow, installed only under pytest, to test the core on its own."""
