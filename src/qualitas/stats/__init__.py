"""Quality statistics: control charts, run rules, capability, sampling, FMEA priority.

A pure numerical kernel: imports numpy and scipy only, never Django, so it can be
used from Python, the `qualitas stats` command line, the API and the web UI alike.
"""
