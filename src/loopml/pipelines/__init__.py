"""Pipelines on top of every stage: the project file (``loopml.yaml``) and the demo loop."""

from loopml.pipelines._demo import DemoResult, run_demo
from loopml.pipelines._project import (
    Candidate,
    DataSection,
    EvaluateSection,
    Goal,
    Project,
    ProjectFileError,
    SearchDimension,
    SplitSection,
    SuccessCriterion,
    TuneSection,
    example_project_text,
    load_project,
    parse_project,
    write_example_project,
)

__all__ = [
    "Candidate",
    "DataSection",
    "DemoResult",
    "EvaluateSection",
    "Goal",
    "Project",
    "ProjectFileError",
    "SearchDimension",
    "SplitSection",
    "SuccessCriterion",
    "TuneSection",
    "example_project_text",
    "load_project",
    "parse_project",
    "run_demo",
    "write_example_project",
]
