"""What a step's (or a test's) statements read before binding it, and where each name comes from."""

from __future__ import annotations

from dataclasses import dataclass

from .checks import Reporter
from .facts import NotebookFacts
from .live_names import LiveRead, Rename, live_reads, renames_of
from .model import Block, Source
from .resolve import Earlier, loop_carried, resolve


@dataclass(frozen=True)
class SourcedRead:
    name: str  # the package's name (a twice-defined function: the version live there)
    source: Source


@dataclass(frozen=True)
class BlockReads:
    reads: tuple[SourcedRead, ...]  # each name once, in first-read order
    renames: tuple[Rename, ...]  # the statements that call an earlier version of a function


def block_reads(facts: NotebookFacts, blocks: list[Block], earlier: Earlier, report: Reporter,
                stage: str | None, calls_defs: bool = False) -> BlockReads:
    """Each name the blocks read before binding it, once, with where it comes from (a missing
    one is reported: ``resolve``).

    ``calls_defs``: the functions the blocks define run after them (a test cell's
    ``def test_*``), so what their bodies read counts too, unless the cell binds it."""
    bound: set[str] = set()
    found: list[SourcedRead] = []
    renames: list[Rename] = []
    deferred: list[tuple[LiveRead, Block, int]] = []

    def read_of(read: LiveRead, block: Block, line: int) -> SourcedRead:
        return SourcedRead(read.live, resolve(facts.names, read.read, earlier, report, block.cell,
                                              line, stage))

    versions, definitions = facts.versions, facts.definitions
    for block in blocks:
        offset = block.line_offset
        for names in block.names:
            line = names.line + offset
            reads = live_reads(versions, facts.injected, block.cell, names.index,
                               (*names.reads, *names.earlier_reads, *names.mutates))
            if versions:  # only a function defined twice is read under another name
                renames.extend(renames_of(block.cell, names.index, reads))
            for read in reads:
                if read.live in bound:
                    continue
                bound.add(read.live)
                if names.compound and read.read in names.defines \
                        and not facts.names.has_source(read.read, earlier):
                    loop_carried(report, read.read, block.cell, line, stage)
                    continue
                found.append(read_of(read, block, line))
            bound.update(names.defines)
            if names.mutates:
                bound.update(m for m in names.mutates if m not in definitions)
            if calls_defs and names.kind in ("def", "class"):
                body = live_reads(facts.versions, facts.injected, block.cell, names.index,
                                  names.global_reads)
                renames.extend(renames_of(block.cell, names.index, body))
                deferred.extend((read, block, line) for read in body)
    for read, block, line in deferred:
        if read.live not in bound:
            bound.add(read.live)
            found.append(read_of(read, block, line))
    return BlockReads(tuple(found), tuple(renames))
