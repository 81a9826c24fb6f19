# SPDX-License-Identifier: EUPL-1.2
"""Loop and multi-instance activities as BPMN 2.0 §10.3.7–10.3.8 describe them.

BPMN 2.0 §10.3.8: the inputDataItem (and outputDataItem) of a multi-instance activity
belong to each instance. SpiffWorkflow 3.2 merges an instance's whole data back into
the activity when no output collection is given, items included; a sequential
activity then fails on its second instance ("Multiinstance input item … already
exists") and a parallel one leaves the last item behind in the case data. These
subclasses merge everything but the items, give the completionCondition the
standard's instance attributes (numberOfCompletedInstances, …), and mend a misspelt
name in SpiffWorkflow's check of an output collection that already exists (a
``NameError``). A standard loop's condition may use the standard's ``loopCounter``.
"""

from __future__ import annotations

from collections.abc import MutableMapping, MutableSequence
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    LoopTask,
    MultiInstanceTask,
)
from SpiffWorkflow.spiff.serializer.task_spec import (
    SpiffMultiInstanceConverter,
    StandardLoopTaskConverter,
)
from SpiffWorkflow.spiff.specs.defaults import (
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
    StandardLoopTask,
)
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from engine.flow_data import CaseDataIo


class _ItemScopedMerge(MultiInstanceTask):  # type: ignore[misc]
    def merge_child(self, workflow: Any, child: Task) -> None:
        if self.data_output is not None and self.output_item is not None:
            super().merge_child(workflow, child)  # only the output item is merged
            return
        local = {
            ref.bpmn_id
            for ref in (self.input_item, self.output_item)
            if ref is not None
        }
        my_task = child.parent
        DeepMerge.merge(
            my_task.data, {k: v for k, v in child.data.items() if k not in local}
        )
        my_task.internal_data["merged"].append(str(child.id))

    def check_completion_condition(self, my_task: Task) -> Any:
        # BPMN 2.0 (§10.3.8) gives a completionCondition the instance attributes
        # numberOfInstances, numberOfActiveInstances, numberOfCompletedInstances and
        # numberOfTerminatedInstances ("two of three approvals"); SpiffWorkflow gives
        # it only the last instance's data.
        merged = my_task.internal_data.get("merged", [])
        if not merged or self.condition is None:
            return None
        instances = list(self._instances(my_task))
        last = next(c for c in instances if str(c.id) == merged[-1])
        context = {
            "numberOfInstances": self._planned(my_task, instances),
            "numberOfActiveInstances": sum(
                1 for c in instances if not c.has_state(TaskState.FINISHED_MASK)
            ),
            "numberOfCompletedInstances": len(merged),
            "numberOfTerminatedInstances": 0,  # none is cancelled before this holds
        }
        return my_task.workflow.script_engine.evaluate(last, self.condition, context)

    def _planned(self, my_task: Task, instances: list[Task]) -> int:
        cardinality = my_task.internal_data.get("cardinality")
        if cardinality is not None:  # sequential, by cardinality
            return int(cardinality)
        remaining = my_task.internal_data.get("remaining")
        if remaining is not None:  # sequential, over a collection
            return len(instances) + len(remaining)
        return len(instances)  # parallel: every instance exists from the start

    def init_data_output_with_cardinality(self, my_task: Task) -> None:
        # SpiffWorkflow 3.2's own misspells a name (NameError) when the output
        # collection already exists; same checks, spelled right.
        if not self.data_output.exists(my_task):
            self.data_output.set(my_task, [])
            return
        output = self.data_output.get(my_task)
        if not isinstance(output, MutableMapping | MutableSequence):
            self.raise_data_exception(
                "Only a mutable map (dict) or sequence (list) can be used for output",
                my_task,
            )
        if not isinstance(output, MutableMapping) and len(output) > 0:
            self.raise_data_exception(
                "If loop cardinality is specified, the output must be a map (dict)"
                " or an empty sequence (list)",
                my_task,
            )


# SpiffWorkflow's sequential/parallel merge_child calls super() after its own class,
# so _ItemScopedMerge comes after them in the method order and before the base.
class PkipSequentialMultiInstanceTask(
    SequentialMultiInstanceTask,  # type: ignore[misc]
    _ItemScopedMerge,
):
    """A sequential multi-instance activity with instance-local items."""


class PkipParallelMultiInstanceTask(
    ParallelMultiInstanceTask,  # type: ignore[misc]
    _ItemScopedMerge,
):
    """A parallel multi-instance activity with instance-local items."""


class PkipStandardLoopTask(CaseDataIo, StandardLoopTask):  # type: ignore[misc]
    """A standard loop whose loopCondition may use ``loopCounter``.

    BPMN 2.0 (§10.3.7) counts a looping activity's iterations in its loopCounter
    attribute; SpiffWorkflow gives the condition only the data.
    """

    def loop_complete(self, my_task: Task) -> bool:
        merged = my_task.internal_data.get("merged", [])
        if self.maximum is not None and len(merged) >= self.maximum:
            return True
        if self.condition is None:
            return False
        scripts = my_task.workflow.script_engine
        holds = scripts.evaluate(my_task, self.condition, {"loopCounter": len(merged)})
        return not holds


CONVERTERS: dict[type, type] = {
    PkipStandardLoopTask: StandardLoopTaskConverter,
    PkipSequentialMultiInstanceTask: SpiffMultiInstanceConverter,
    PkipParallelMultiInstanceTask: SpiffMultiInstanceConverter,
}


def counts_as_execution(task: Task) -> bool:
    """Whether a completed task is one execution of a diagram element.

    A loop or multi-instance activity is a parent task whose children are its
    iterations, all with the activity's id: the iterations are the executions.
    """
    return bool(getattr(task.task_spec, "bpmn_id", None)) and not isinstance(
        task.task_spec, LoopTask
    )
