"""The control-flow statements of the name walker, and match patterns.

``if``/``for``/``while``/``try``/``with``/``match`` and the jumps (``return``, ``raise``,
``break``, ``continue``) decide which names are *definitely* bound after them: each path gets a
copy of the flow state (``scopes.copy_state``) and paths meet with ``scopes.join_states``.
``CONTROL_FLOW_HANDLERS`` is their part of the statement table of ``statement_walk``.
"""

from __future__ import annotations

import libcst as cst

from .expression_walk import ExpressionWalker
from .scopes import copy_state, join_states

_Name = cst.Name


def _is_true(node) -> bool:
    t = type(node)
    if t is _Name:
        return node.value == "True"
    if t is cst.Integer:
        try:
            return int(node.value, 0) != 0
        except ValueError:
            return False
    return False


def _irrefutable(pattern) -> bool:
    t = type(pattern)
    if t is cst.MatchAs:
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if t is cst.MatchOr:
        return any(_irrefutable(element.pattern) for element in pattern.patterns)
    return False


class ControlFlowWalker(ExpressionWalker):
    __slots__ = ()

    def _return(self, node) -> None:
        if node.value is not None:
            self.expr(node.value)
        self.flow.bound = None

    def _raise(self, node) -> None:
        if node.exc is not None:
            self.expr(node.exc)
        if node.cause is not None:
            self.expr(node.cause.item)
        self.flow.bound = None

    def _break(self, node) -> None:
        self._jump(0)

    def _continue(self, node) -> None:
        self._jump(1)

    def _jump(self, which: int) -> None:
        flow = self.flow
        if flow.loops:
            flow.loops[-1][which].append(copy_state(flow.bound))
        flow.bound = None

    def _if(self, node) -> None:
        flow = self.flow
        self.expr(node.test)
        before = copy_state(flow.bound)
        self.block(node.body)
        after_body = flow.bound
        flow.bound = before
        orelse = node.orelse
        if type(orelse) is cst.If:
            self._if(orelse)
        elif orelse is not None:
            self.block(orelse.body)
        flow.bound = join_states(after_body, flow.bound)

    def _for(self, node) -> None:
        flow = self.flow
        self.expr(node.iter)
        flow.loops.append(([], []))
        try:
            self.assign_target(node.target)
            self.block(node.body)
        finally:
            breaks, continues = flow.loops.pop()
        self._after_loop(node, breaks, continues, can_finish=True)

    def _while(self, node) -> None:
        flow = self.flow
        self.expr(node.test)
        flow.loops.append(([], []))
        try:
            self.block(node.body)
        finally:
            breaks, continues = flow.loops.pop()
        self._after_loop(node, breaks, continues, can_finish=not _is_true(node.test))

    def _after_loop(self, node, breaks, continues, can_finish: bool) -> None:
        # The body is assumed to run at least once (as notebook loops do): what its first
        # pass binds counts as bound after the loop, except what only some exits bind.
        flow = self.flow
        if can_finish:
            state = flow.bound
            for other in continues:
                state = join_states(state, other)
            flow.bound = copy_state(state)
            if node.orelse is not None:
                self.block(node.orelse.body)
            state = flow.bound
        else:
            state = None
        for other in breaks:
            state = join_states(state, other)
        flow.bound = copy_state(state)

    def _try(self, node) -> None:
        flow = self.flow
        before = copy_state(flow.bound)
        self.block(node.body)
        if node.orelse is not None:
            self.block(node.orelse.body)
        state = flow.bound
        for handler in node.handlers:
            flow.bound = copy_state(before)  # the body may have failed anywhere
            if handler.type is not None:
                self.expr(handler.type)
            name = handler.name
            if name is not None:
                self.assign_target(name.name)
            self.block(handler.body)
            if name is not None and type(name.name) is _Name:
                self.scope.unbind(name.name.value)  # Python deletes it after the handler
            state = join_states(state, flow.bound)
        if node.finalbody is not None:
            flow.bound = copy_state(before)
            self.block(node.finalbody.body)
            after_finally = flow.bound
            if state is None or after_finally is None:
                state = None
            elif before is None:
                state = state | after_finally
            else:
                state = (state - (before - after_finally)) | (after_finally - before)
        flow.bound = copy_state(state)

    def _with(self, node) -> None:
        for item in node.items:
            self.expr(item.item)
            if item.asname is not None:
                self.assign_target(item.asname.name)
        self.block(node.body)

    def _match(self, node) -> None:
        flow = self.flow
        self.expr(node.subject)
        before = copy_state(flow.bound)
        state = None
        exhaustive = False
        for case in node.cases:
            flow.bound = copy_state(before)
            self.pattern(case.pattern)
            if case.guard is not None:
                self.expr(case.guard)
            elif _irrefutable(case.pattern):
                exhaustive = True
            self.block(case.body)
            state = join_states(state, flow.bound)  # None so far: no path reached the end yet
        if not exhaustive:  # no case may match
            state = join_states(state, before)
        flow.bound = copy_state(state)

    def pattern(self, node) -> None:
        t = type(node)
        scope = self.scope
        if t is cst.MatchAs:
            if node.pattern is not None:
                self.pattern(node.pattern)
            if node.name is not None:
                scope.bind(node.name.value)
        elif t is cst.MatchValue:
            self.expr(node.value)
        elif t is cst.MatchSingleton:
            pass
        elif t is cst.MatchList or t is cst.MatchTuple:
            for element in node.patterns:
                if type(element) is cst.MatchStar:
                    if element.name is not None:
                        scope.bind(element.name.value)
                else:
                    self.pattern(element.value)
        elif t is cst.MatchMapping:
            for element in node.elements:
                self.expr(element.key)
                self.pattern(element.pattern)
            if node.rest is not None:
                scope.bind(node.rest.value)
        elif t is cst.MatchClass:
            self.expr(node.cls)
            for element in node.patterns:
                self.pattern(element.value)
            for keyword in node.kwds:
                self.pattern(keyword.pattern)
        elif t is cst.MatchOr:
            for element in node.patterns:
                self.pattern(element.pattern)
        else:
            self.generic(node)


CONTROL_FLOW_HANDLERS = {
    cst.Return: ControlFlowWalker._return,
    cst.Raise: ControlFlowWalker._raise,
    cst.Break: ControlFlowWalker._break,
    cst.Continue: ControlFlowWalker._continue,
    cst.If: ControlFlowWalker._if,
    cst.For: ControlFlowWalker._for,
    cst.While: ControlFlowWalker._while,
    cst.Try: ControlFlowWalker._try,
    cst.TryStar: ControlFlowWalker._try,
    cst.With: ControlFlowWalker._with,
    cst.Match: ControlFlowWalker._match,
}
