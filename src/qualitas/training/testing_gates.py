"""Test data for qualification gates (the module kit's factory for training.Gate)."""

from __future__ import annotations

import datetime as dt


def gate_for_tests(*, actor, site):
    from qualitas.training import services_gates
    from qualitas.training.testing import requirement_for_tests

    requirement = requirement_for_tests(actor=actor, site=site, kind="qualification", method="qualification")
    return services_gates.gate_create(actor=actor, kind="sign", requirement=requirement, meaning="verified",
                                      active_from=dt.date.today(), rationale="Test gate")
