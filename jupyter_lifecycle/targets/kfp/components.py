"""The Python module of KFP components for a plan: one function per step, and
``build_pipeline(component)`` wiring them in notebook order with typed pipeline parameters.

Generated with libcst (node construction and templates). Each component function imports the
generated package and only the serializers its values need (copied from ``serializers.py``,
because KFP ships nothing but the function's source), times the stage call and returns the
seconds it took; the step that makes ``metrics`` logs them as KFP metrics. Where the notebook's
steps share the global random state, the components hand it on (``rng.py``). No path of this
machine is written into it: where the package comes from is the component's environment.
"""

from __future__ import annotations

import inspect
from functools import lru_cache

import libcst as cst
from libcst.helpers import parse_template_statement

from . import rng, serializers
from .plan import Component, Plan

PREFIX = "_nb_"  # the component's own locals: no notebook variable is a keyword argument of it

_HEADER = '''"""KFP components of {package}, one per pipeline step (written by nb2pipe export)."""
'''

_BODY = '''
import time

from {module} import {function} as _nb_stage

_nb_started = time.perf_counter()
try:
    _nb_outputs = _nb_stage()
except Exception as _nb_error:
    print(f"nb2pipe-step-failed: {step}: {{type(_nb_error).__name__}}: {{_nb_error}}", flush=True)
    raise
_nb_seconds = time.perf_counter() - _nb_started
'''

_LOG_METRICS = '''
for _nb_key, _nb_value in _nb_metrics.items():
    if isinstance(_nb_value, (int, float)) and not isinstance(_nb_value, bool):
        kfp_metrics.log_metric(str(_nb_key), float(_nb_value))
'''


@lru_cache(maxsize=1)
def _serializer_defs() -> dict[str, cst.FunctionDef]:
    defs = {}
    for source in (serializers, rng):
        module = cst.parse_module(inspect.getsource(source))
        defs.update({node.name.value: node for node in module.body
                     if isinstance(node, cst.FunctionDef)})
    return defs


def _nested(name: str) -> cst.FunctionDef:
    return _serializer_defs()[name].with_changes(name=cst.Name(PREFIX + name),
                                                 leading_lines=[cst.EmptyLine(indent=False)])


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                         whitespace_after=cst.SimpleWhitespace(""))


def _kwarg(keyword: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(value, keyword=cst.Name(keyword), equal=_EQUAL)


def _annotation(text: str) -> cst.Annotation:
    return cst.Annotation(cst.parse_expression(text))


def _signature(component: Component, plan: Plan) -> cst.Parameters:
    types = {p.name: p.kfp_type for p in plan.parameters}
    params = [cst.Param(cst.Name(i.argument), _annotation(f"Input[{i.kind.artifact}]"))
              for i in component.incoming]
    if component.rng_in:
        params.append(cst.Param(cst.Name(component.rng_in.argument), _annotation("Input[Artifact]")))
    params += [cst.Param(cst.Name(arg), _annotation(types[name])) for arg, name in component.params]
    params += [cst.Param(cst.Name(o.argument), _annotation(f"Output[{o.kind.artifact}]"))
               for o in component.outgoing]
    if component.rng_out:
        params.append(cst.Param(cst.Name(component.rng_out), _annotation("Output[Artifact]")))
    if component.logs_metrics:
        params.append(cst.Param(cst.Name("kfp_metrics"), _annotation("Output[Metrics]")))
    return cst.Parameters(params)


def _call(component: Component) -> cst.Call:
    args = [_kwarg(i.keyword, cst.Call(cst.Name(f"{PREFIX}load_{i.kind.name}"),
                                       [cst.Arg(cst.Attribute(cst.Name(i.argument), cst.Name("path")))]))
            for i in component.incoming]
    args += [_kwarg(name, cst.Name(arg)) for arg, name in component.params]
    return cst.Call(cst.Name(f"{PREFIX}stage"), args)


def _saves(component: Component) -> list[cst.BaseStatement]:
    out: list[cst.BaseStatement] = []
    for o in component.outgoing:
        value: cst.BaseExpression = cst.Name(f"{PREFIX}outputs")
        if o.position >= 0:
            value = cst.Subscript(value, [cst.SubscriptElement(cst.Index(cst.Integer(str(o.position))))])
        out.append(parse_template_statement(
            f"{PREFIX}save_{o.kind.name}({{value}}, {o.argument}.path)", value=value))
        if component.logs_metrics and o.name == "metrics":
            out.append(parse_template_statement(f"{PREFIX}metrics = {{value}}", value=value))
            out.extend(cst.parse_module(_LOG_METRICS).body)
    return out


def component_function(component: Component, plan: Plan) -> cst.FunctionDef:
    step = component.step
    body = list(cst.parse_module(
        _BODY.format(module=f"{plan.layout.package}.stages.{step.module}", function=step.function,
                     step=step.name)).body)
    names = sorted({f"load_{i.kind.name}" for i in component.incoming}
                   | {f"save_{o.kind.name}" for o in component.outgoing}
                   | ({"load_rng_state"} if component.rng_in else set())
                   | ({"save_rng_state"} if component.rng_out else set()))
    body[2:2] = [_nested(n) for n in names]
    call_at = next(i for i, s in enumerate(body) if isinstance(s, cst.Try))
    attempt = body[call_at]
    assert isinstance(attempt, cst.Try)
    call = _call(component)
    first: cst.BaseStatement = (cst.SimpleStatementLine([cst.Assign(
        [cst.AssignTarget(cst.Name(f"{PREFIX}outputs"))], call)]) if step.outputs
        else cst.SimpleStatementLine([cst.Expr(call)]))
    body[call_at] = attempt.with_changes(body=cst.IndentedBlock([first]))
    if component.rng_in:  # after the imports, which may seed: the state the earlier step left
        body.insert(call_at - 1, parse_template_statement(
            f"{PREFIX}load_rng_state({component.rng_in.argument}.path)"))
    if component.rng_out:
        body.append(parse_template_statement(f"{PREFIX}save_rng_state({component.rng_out}.path)"))
    body.extend(_saves(component))
    body.append(cst.SimpleStatementLine([cst.Return(cst.Name(f"{PREFIX}seconds"))]))
    doc = cst.SimpleStatementLine([cst.Expr(cst.SimpleString(
        f'"""Step {step.name} of {plan.layout.package}: returns the seconds the stage took."""'))])
    return cst.FunctionDef(cst.Name(step.name), _signature(component, plan),
                           cst.IndentedBlock([doc, *body]), returns=_annotation("float"),
                           leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def _pipeline_function(plan: Plan) -> cst.FunctionDef:
    params = [cst.Param(cst.Name(p.name), _annotation(p.kfp_type),
                        default=cst.parse_expression(repr(p.default))) for p in plan.parameters]
    lines: list[cst.BaseStatement] = []
    previous = None
    for c in plan.components:
        args = [_kwarg(i.argument, cst.parse_expression(f"{i.producer}_task.outputs[{i.output!r}]"))
                for i in c.incoming]
        if c.rng_in:
            args.append(_kwarg(c.rng_in.argument, cst.parse_expression(
                f"{c.rng_in.producer}_task.outputs[{c.rng_in.output!r}]")))
        args += [_kwarg(arg, cst.Name(name)) for arg, name in c.params]
        call: cst.BaseExpression = cst.Call(cst.Name(f"{c.step.name}_op"), args)
        if previous is not None:  # notebook order, also for steps that share no value
            call = cst.Call(cst.Attribute(call, cst.Name("after")), [cst.Arg(cst.Name(previous))])
        target = f"{c.step.name}_task"
        if c is plan.components[-1]:
            lines.append(cst.SimpleStatementLine([cst.Expr(call)]))
        else:
            lines.append(cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(target))],
                                                             call)]))
        previous = target
    description = f"{plan.layout.package}: one component per step (nb2pipe export)"
    decorator = cst.Decorator(cst.parse_expression(
        f"dsl.pipeline(name={plan.layout.distribution!r}, description={description!r})"))
    return cst.FunctionDef(cst.Name("pipeline"), cst.Parameters(params), cst.IndentedBlock(lines),
                           decorators=[decorator], leading_lines=[cst.EmptyLine()])


def _builder(plan: Plan) -> cst.FunctionDef:
    lines: list[cst.BaseStatement] = [cst.SimpleStatementLine([cst.Expr(cst.SimpleString(
        '"""The pipeline, each step made a component by ``component(function)``."""'))])]
    for c in plan.components:
        lines.append(parse_template_statement(f"{c.step.name}_op = component({{fn}})",
                                              fn=cst.Name(c.step.name)))
    lines.append(_pipeline_function(plan))
    lines.append(cst.SimpleStatementLine([cst.Return(cst.Name("pipeline"))]))
    return cst.FunctionDef(cst.Name("build_pipeline"), cst.Parameters([cst.Param(cst.Name("component"))]),
                           cst.IndentedBlock(lines), leading_lines=[cst.EmptyLine(), cst.EmptyLine()])


def components_module(plan: Plan) -> str:
    """The module's source: pyflakes-clean, no machine path."""
    used = {"Metrics"} if any(c.logs_metrics for c in plan.components) else set()
    for c in plan.components:
        used |= {i.kind.artifact for i in c.incoming} | {o.kind.artifact for o in c.outgoing}
        used |= {"Input", "Artifact"} if c.rng_in else set()
        used |= {"Output", "Artifact"} if c.rng_out else set()
        used |= {"Input"} if c.incoming else set()
        used |= {"Output"} if c.outgoing or c.logs_metrics else set()
    header = cst.parse_module(_HEADER.format(package=plan.layout.package)).body
    imports = [cst.parse_statement("from kfp import dsl")]
    if used:
        imports.append(cst.parse_statement(f"from kfp.dsl import {', '.join(sorted(used))}"))
    functions = [component_function(c, plan) for c in plan.components]
    code = cst.Module([*header, *imports, *functions, _builder(plan)]).code
    return "\n".join(line.rstrip() for line in code.splitlines()) + "\n"
