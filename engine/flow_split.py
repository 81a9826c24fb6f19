# SPDX-License-Identifier: EUPL-1.2
"""Several (or conditional) sequence flows leaving an activity: the implicit split.

The standard (§10.2, §13.2.1) lets an activity have several outgoing flows: every flow
without a condition gets a token (a parallel split), every conditional flow whose
condition holds gets one (an inclusive split), and the activity's default flow gets
one only when none of its conditional flows holds. SpiffWorkflow 3.2 refuses an
activity with several outgoing flows at parse time, and takes a single conditional
one whatever its condition says. Before parsing, :func:`with_implicit_splits` gives a
copy of the diagram an explicit split node after each such activity (also after one
with a single conditional flow: when it does not hold, the case gets an incident
naming the activity instead of going on). :class:`ImplicitSplit` runs it as a split
only — unlike SpiffWorkflow's inclusive gateway it is no join, so an activity reached
by several tokens (an uncontrolled merge, which the standard also allows) splits each
of them on its own.

The split node has no BPMN id of its own (``bpmn_id`` is None), so it appears in no
history, task list or ``pkip bpmn run`` output; the files stored with a definition are
the analyst's own, untouched.
"""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser
from SpiffWorkflow.bpmn.specs.bpmn_task_spec import BpmnTaskSpec
from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.deploy_flow import ACTIVITIES
from engine.deploy_xml import BPMN_NS, NS

FLOW_NS = "http://pkip.lv/bpmn/flow"
SPLIT_TAG = f"{{{FLOW_NS}}}implicitSplit"
SPLIT_SUFFIX = ".ImplicitSplit"
ALWAYS = "True"  # the condition given to a flow without one: it always gets a token


class ImplicitSplit(InclusiveGateway):  # type: ignore[misc]
    """The split after an activity with several outgoing flows (no join)."""

    @property
    def activity_id(self) -> str:
        return str(self.name).removesuffix(SPLIT_SUFFIX)

    def _update_hook(self, my_task: Task) -> bool:
        # SpiffWorkflow's inclusive gateway would wait for, merge and cancel other
        # tokens here; a split takes each token on its own.
        return bool(BpmnTaskSpec._update_hook(self, my_task))

    def _run_hook(self, my_task: Task) -> bool:
        matches, defaults = self._get_matching_outputs(my_task)
        outputs = matches or defaults
        if not outputs:
            raise WorkflowTaskException(
                no_flow_message(self.activity_id, activity=True), task=my_task
            )
        my_task._sync_children(outputs, TaskState.FUTURE)
        for child in my_task.children:
            child.task_spec._predict(
                child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK
            )
        return True


class ImplicitSplitParser(ConditionalGatewayParser):  # type: ignore[misc]
    def create_task(self) -> ImplicitSplit:
        spec = ImplicitSplit(self.spec, self.bpmn_id, **self.bpmn_attributes)
        spec.bpmn_id = None  # not an element of the diagram
        return spec


PARSER_CLASSES = {SPLIT_TAG: (ImplicitSplitParser, ImplicitSplit)}


def no_flow_message(element_id: str, *, activity: bool = False) -> str:
    """Why a split found no way on: Latvian first, English second."""
    if activity:
        return (
            f"no darbības '{element_id}' neviena nosacījuma plūsma nav patiesa un"
            " noklusējuma plūsmas nav / no condition of a flow leaving activity"
            f" '{element_id}' holds and it has no default flow"
        )
    return (
        f"vārtejā '{element_id}' neviens nosacījums nav patiess un noklusējuma"
        " plūsmas nav / no condition of gateway"
        f" '{element_id}' holds and it has no default flow"
    )


def with_implicit_splits(tree: Any) -> Any:
    """A copy of a parsed BPMN file with a split node after each activity that has
    several outgoing flows; the tree itself when there is none."""
    if not _split_sources(tree):
        return tree
    tree = copy.deepcopy(tree)
    for container, node, flows in _split_sources(tree):
        _insert_split(container, node, flows)
    return tree


def _split_sources(tree: Any) -> list[tuple[Any, Any, list[Any]]]:
    found = []
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    containers = ("process", "subProcess", "transaction")
    for container in root.iter(*(f"{{{BPMN_NS}}}{kind}" for kind in containers)):
        flows_by_source: dict[str, list[Any]] = {}
        for flow in container.iterfind("bpmn:sequenceFlow", NS):
            flows_by_source.setdefault(flow.get("sourceRef", ""), []).append(flow)
        for node in container:
            if not isinstance(node.tag, str) or etree.QName(node).namespace != BPMN_NS:
                continue
            flows = flows_by_source.get(node.get("id", ""), [])
            if etree.QName(node).localname in ACTIVITIES and (
                len(flows) > 1 or any(_conditional(f) for f in flows)
            ):
                found.append((container, node, flows))
    return found


def _conditional(flow: Any) -> bool:
    return flow.find("bpmn:conditionExpression", NS) is not None


def _insert_split(container: Any, node: Any, flows: list[Any]) -> None:
    node_id = node.get("id", "")
    split_id = node_id + SPLIT_SUFFIX
    split = etree.SubElement(container, SPLIT_TAG, id=split_id)
    default = node.attrib.pop("default", None)
    if default:
        split.set("default", default)
    for flow in flows:
        flow.set("sourceRef", split_id)
        if not _conditional(flow) and flow.get("id") != default:
            expression = etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression")
            expression.text = ALWAYS
    etree.SubElement(
        container,
        f"{{{BPMN_NS}}}sequenceFlow",
        id=f"{node_id}.ToImplicitSplit",
        sourceRef=node_id,
        targetRef=split_id,
    )
