"""A regulated record with a workflow, for testing the core alone (installed only under pytest)."""

from qualitas.core.modules import ModuleSpec, Permission, RecordTypeSpec

MODULE = ModuleSpec(
    key="sample",
    label="Sample records",
    permissions=(Permission("sample", "Sample records (tests)"),),
    record_types=(
        RecordTypeSpec("sample.SampleRecord", "Sample record", "tests.sample.states:sample_get",
                       url=lambda r: f"/sample/{r.pk}/"),
    ),
    workflows=("tests.sample.states",),
    # sample.* by the core's tests of regulated records; test.* by tests of jobs and dates.
    audit_events=("sample.created", "sample.updated", "test.job_ran", "test.date_arrived"),
)
