"""Pipelines on top of every stage: the project file (``loopml.yaml``) and the demo loop."""

from typing import TYPE_CHECKING

from loopml.core._lazy import lazy_exports

# Names load their modules on first use (see loopml.core._lazy): importing this package
# costs nothing until a name is used.
__getattr__, __dir__ = lazy_exports(__name__, __file__)

if TYPE_CHECKING:
    from loopml.pipelines._demo import DemoResult, run_demo
    from loopml.pipelines._preflight import ProjectInputError, check_no_overlap, check_project_data
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
    from loopml.pipelines._project_run import ProjectRun, export_reports, project_steps, run_project
    from loopml.pipelines._runner import (
        PipelineResult,
        PipelineStepError,
        StepOutcome,
        StepStatus,
        run_pipeline,
    )
    from loopml.pipelines._steps import Step, StepContext, cache_key


__all__ = [
    "ProjectInputError",
    "ProjectRun",
    "check_no_overlap",
    "check_project_data",
    "export_reports",
    "project_steps",
    "run_project",
    "PipelineResult",
    "PipelineStepError",
    "Step",
    "StepContext",
    "StepOutcome",
    "StepStatus",
    "cache_key",
    "run_pipeline",
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
