"""JUnit XML, the report every CI system reads (GitLab's ``artifacts:reports:junit``, Jenkins, dashboards).

There is no official schema; the documents here validate against Jenkins' ``junit-10.xsd``
(vendored under ``tests/``). A graded submission is one ``<testsuite>`` per question with
one ``<testcase>`` per part: a part below full marks has a ``<failure>`` whose message
gives the score and the first reason (the rest in its text); a part graded after
submission is ``<skipped>``. Only what the student may see is written (:mod:`.audience`).
``grade check`` writes one ``<testsuite>`` per rubric with a testcase per graded
subject and per problem found.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..results import CheckReport, GradeResult, PartResult, RubricCheck, SampleCheck
from ..text import inert, no_commands
from .audience import Audience, audience_view, number

AFTER_SUBMISSION = "graded after submission"
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # not allowed in XML 1.0


def render_junit(result: GradeResult, audience: Audience = Audience.STUDENT) -> str:
    """The JUnit document of a graded submission, as what ``audience`` may see."""
    view = audience_view(result, audience)
    shown = view.result
    root = _element("testsuites", name=shown.title, time=_seconds(shown.execution_time))
    classname = _classname(shown.rubric)
    for question in shown.questions:
        suite = _element("testsuite", name=f"{question.id} {question.title}", file=shown.submission)
        for part in question.parts:
            suite.append(_part_case(part, classname, shown.problem))
        _count(suite)
        root.append(suite)
    if view.withheld:
        suite = _element("testsuite", name=AFTER_SUBMISSION)
        for name in view.withheld:
            case = _element("testcase", name=name, classname=classname)
            case.append(_element("skipped", message=AFTER_SUBMISSION))
            suite.append(case)
        _count(suite)
        root.append(suite)
    if shown.stdout.strip() and len(root):
        root[0].append(_text_element("system-out", shown.stdout))  # the student's output, once
    _count_all(root)
    return _serialise(root)


def render_check_junit(report: CheckReport) -> str:
    """``grade check``'s JUnit document: per rubric, a testcase for loading it, each subject and each problem."""
    root = _element("testsuites", name="grade check")
    for rubric in report.rubrics:
        suite = _element("testsuite", name=rubric.name, file=rubric.file)
        suite.append(_loads_case(rubric))
        for sample in rubric.samples:
            suite.append(_sample_case(rubric, sample))
        for finding in rubric.errors:
            case = _element("testcase", name=f"{finding.rule}: {finding.message}", classname=rubric.name)
            case.append(_failure(str(finding), str(finding), "lint"))
            suite.append(case)
        if rubric.warnings:
            suite.append(_text_element("system-out", "\n".join(f"warning: {w}" for w in rubric.warnings)))
        _count(suite)
        root.append(suite)
    _count_all(root)
    return _serialise(root)


def _part_case(part: PartResult, classname: str, problem: str) -> ET.Element:
    case = _element("testcase", name=f"{part.question_id} ({part.part_id}) {part.title}", classname=classname)
    if part.status == "pending":
        case.append(_element("skipped", message=f"{AFTER_SUBMISSION} ({number(part.pending)} point(s))"))
    elif part.status != "passed":
        reasons = [str(r) for r in part.reasons()]
        first = reasons[0] if reasons else (problem.splitlines()[0] if problem else "")
        message = f"{number(part.score)} / {number(part.points)}: {first}"
        case.append(_failure(message, "\n".join(reasons) or problem, part.status))
    return case


def _loads_case(rubric: RubricCheck) -> ET.Element:
    case = _element("testcase", name="the rubric and its reference load", classname=rubric.name)
    if rubric.error:
        case.append(_element("error", message=rubric.error.splitlines()[0], type="rubric"))
        case[-1].text = _clean(rubric.error)
    return case


def _sample_case(rubric: RubricCheck, sample: SampleCheck) -> ET.Element:
    case = _element("testcase", name=f"{sample.name} scores as declared", classname=rubric.name)
    if sample.could_not_grade:
        case.append(_element("error", message=sample.could_not_grade, type="could_not_grade"))
    elif sample.mismatches:
        message = f"{number(sample.score)} / {number(sample.max_score)}: {sample.mismatches[0]}"
        case.append(_failure(message, "\n".join(sample.mismatches), "mismatch"))
    return case


def _failure(message: str, text: str, kind: str) -> ET.Element:
    failure = _element("failure", message=message, type=kind)
    failure.text = _clean(text)
    return failure


def _text_element(tag: str, text: str) -> ET.Element:
    element = ET.Element(tag)
    element.text = _clean(text)
    return element


def _element(tag: str, **attributes: str) -> ET.Element:
    return ET.Element(tag, {k: _clean(v) for k, v in attributes.items()})


def _count(suite: ET.Element) -> None:
    cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))


def _count_all(root: ET.Element) -> None:
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in root.findall("testsuite"))))


def _classname(rubric: str) -> str:
    """The rubric's name (its file's stem), which CI dashboards group the parts by."""
    stem = re.split(r"[\\/]", rubric)[-1].rsplit(".", 1)[0]
    return _clean(stem.replace(".", "_")) or "rubric"


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _clean(text: str) -> str:
    """Text XML 1.0 can hold, with no control character and no workflow command."""
    return _NOT_XML.sub("\ufffd", no_commands(inert(text)))


def _serialise(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
