"""The ORM rows of the metadata store, for the stages that read and write records.

Defined in ``_models.py``; this module is the public name other packages import them by.
"""

from loopml.store._models import (
    AuditEventRow,
    Base,
    DatasetRow,
    DatasetVersionRow,
    ExperimentRow,
    LatestMetricRow,
    MetricChunkRow,
    MetricSeriesRow,
    ModelAliasRow,
    ModelRow,
    ModelVersionRow,
    ParamRow,
    PipelineRunRow,
    ProjectRow,
    RunArtifactRow,
    RunInputRow,
    RunRow,
    StepRunRow,
    TagRow,
)

__all__ = [
    "AuditEventRow",
    "Base",
    "DatasetRow",
    "DatasetVersionRow",
    "ExperimentRow",
    "LatestMetricRow",
    "MetricChunkRow",
    "MetricSeriesRow",
    "ModelAliasRow",
    "ModelRow",
    "ModelVersionRow",
    "ParamRow",
    "PipelineRunRow",
    "ProjectRow",
    "RunArtifactRow",
    "RunInputRow",
    "RunRow",
    "StepRunRow",
    "TagRow",
]
