"""Pipelines on top of every stage; for now the demo loop (``loopml demo``)."""

from loopml.pipelines._demo import DemoResult, run_demo

__all__ = ["DemoResult", "run_demo"]
