#!/usr/bin/env python3
"""Summarise what a test guest left in its results directory.

  results.py suite --arch A --results DIR --console LOG [--timed-out]
             [--require-kmemleak] [--allow FILE] [--xfail FILE]...
      Prints one line per suite (DIR/<name>.ktap, plus DIR/<name>.rc, the exit
      status of the suite's program, if any), then the pseudo-suites
      kernel-log (no splat in the console LOG), kmemleak (DIR/kmemleak.txt is
      empty) and guest (DIR/done exists and QEMU was not killed by timeout).
      Writes the counts to DIR/summary.json and exits 0: failures travel in
      the JSON.  --allow FILE holds regexes (one a line, '#' comments) of
      splat first lines that are expected.  --xfail FILE (may be repeated)
      lists expected failures, "SUITE CASE  # reason" a line: such a case
      failing counts as "xfail", not as a failure (nor does the suite's exit
      status 1 that comes with it); such a case passing is a failure:
      delete its line.

  results.py total DIR...
      Adds up DIR/summary.json (a missing one counts as 1 failure), prints
      "N passed, N failed, N skipped[, N xfail]" and exits 1 if anything
      failed or nothing passed.

Only leaf results of KTAP/TAP are counted; a result line that closes a group
of more-indented results (a KUnit suite, a parameterised case) is not counted
itself, unless it says "not ok" while none of its children failed.
"""
import argparse
import json
import os
import re
import sys

KSFT_FAIL, KSFT_SKIP = 1, 4
# "[   12.345678] " and the optional caller id "[    T1] " of a console line.
TIMESTAMP = re.compile(r'^\s*\[\s*\d+\.\d+\](?:\[\s*[CT]\d+\])?\s?')
# "ok N [- ]name [# DIRECTIVE]"; the directive's '#' follows a blank.
RESULT = re.compile(r'(not ok|ok)\s+(\d+)\b\s*(?:-\s+)?(.*?)\s*'
                    r'(?:(?<!\S)#\s*(.*))?$')
PLAN = re.compile(r'1\.\.(\d+)\b')
# Text between results that says nothing about why a case failed.
NOISE = re.compile(r'#?\s*(?:(?:RUN|OK|FAIL|SKIP|XFAIL)\s|Subtest:|Totals:|'
                   r'Starting \d+ tests|\S+: pass:\d+ fail:\d+|K?TAP version)')
HARNESS = 'iommufd-harness:'        # the guest's own echo lines
SPLAT = re.compile('|'.join([
    r'BUG:', r'WARNING:', r'Oops', r'kernel BUG at', r'Kernel panic',
    r'KASAN:', r'UBSAN:', r'general protection fault',
    r'Unable to handle kernel', r'possible circular locking',
    r'possible recursive locking', r'inconsistent lock state',
    r'suspicious RCU usage', r'detected stalls',
    r'rcu_sched self-detected stall', r'INFO: task .* blocked for more than',
    r'soft lockup', r'hard LOCKUP', r'list_add corruption',
    r'list_del corruption', r'unreferenced object 0x',
    r'kmemleak:.*new suspected memory leaks']))
CALL_TRACE = re.compile(r'Call [Tt]race:')
# An excerpt ends with "---[ end trace" or, for KASAN/KFENCE reports, with
# their closing "=====" rule; it is at most EXCERPT lines long.
END_OF_SPLAT = re.compile(r'---\[ end trace|^={20,}\s*$')
EXCERPT, MAX_EXCERPTS, TAIL = 40, 3, 40


class Tally:
    """Counts of one (pseudo-)suite and the lines to print below it."""

    def __init__(self, name):
        self.name, self.passed, self.failed, self.skipped = name, 0, 0, 0
        self.xfail = 0      # failed cases the --xfail file lists
        self.fails = []     # [case name, [diagnostic lines]] of failed cases
        self.passes = []    # [case name] of passed cases
        self.xpasses = []   # [case name, where it is listed] of passed
                            # cases the --xfail file lists (failures)
        self.notes = []     # free-form lines

    def verdict(self, ok, note=None):
        """Count a pseudo-suite as one test."""
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        if note:
            self.notes.append(note)


def read_text(path):
    """Contents of PATH (undecodable bytes replaced), None if unreadable."""
    try:
        with open(path, encoding='utf-8', errors='replace', newline='') as f:
            return f.read()
    except OSError:
        return None


def split_lines(text):
    """Lines of TEXT without line ends; copes with \\r\\n and \\r\\r\\n."""
    lines = [line.rstrip('\r') for line in (text or '').split('\n')]
    return lines[:-1] if lines and lines[-1] == '' else lines


def printable(s):
    return ''.join(c if c.isprintable() or c == '\t' else '?' for c in s)


def plural(n, word):
    return f'{n} {word}' + ('' if n == 1 else 's')


def parse_ktap(t, lines):
    """Count the results of LINES into T.  Returns (number of results at
    the outermost level, that level's plan or None)."""
    indents = []    # indentation of every result line
    plans = []      # (indentation, N) of every "1..N"
    # Open nesting levels, shallowest first: [indentation, whether anything
    # below failed, index in t.fails where the level's failures start, index
    # in t.passes where its passes start].
    open_levels = []
    diag = []       # text since the previous result line
    for raw in lines:
        line = TIMESTAMP.sub('', raw).expandtabs()
        body = line.lstrip()
        indent = len(line) - len(body)
        m = RESULT.match(body)
        if not m:
            p = PLAN.match(body)
            if p:
                plans.append((indent, int(p.group(1))))
            elif body.strip('# ') and not NOISE.match(body):
                diag.append(printable(body.lstrip('# ').rstrip()))
            continue
        kind = re.match(r'(skip|todo|xfail)', m.group(4) or '', re.I)
        kind = kind.group(1).lower() if kind else ''
        status = 'skipped' if kind in ('skip', 'todo') else \
            'passed' if m.group(1) == 'ok' or kind == 'xfail' else 'failed'
        name = printable(m.group(3)) or f'#{m.group(2)}'

        # Close the more-indented levels: they are this line's children.
        children_failed = None
        start, pstart = len(t.fails), len(t.passes)
        while open_levels and open_levels[-1][0] > indent:
            _, failed, start, pstart = open_levels.pop()
            children_failed = bool(children_failed) or failed
        if children_failed is None:                 # a leaf: count it
            setattr(t, status, getattr(t, status) + 1)
            failed = status == 'failed'
            if failed:
                t.fails.append([name, diag])
            elif status == 'passed':
                t.passes.append([name])
        else:                                       # a parent
            for f in t.fails[start:] + t.passes[pstart:]:
                f[0] = f'{name}.{f[0]}'
            failed = children_failed
            if status == 'failed' and not children_failed:
                t.failed += 1
                t.fails.append([name, diag])
                failed = True
        diag = []
        indents.append(indent)
        if open_levels and open_levels[-1][0] == indent:
            open_levels[-1][1] = open_levels[-1][1] or failed
        else:
            open_levels.append([indent, failed, start, pstart])

    top = min(indents) if indents else min((i for i, _ in plans), default=0)
    plan = next((n for i, n in plans if i == top), None)
    return indents.count(top), plan


def apply_xfail(t, xfail):
    """Count T's failed cases that XFAIL lists ({(suite, case): "file:line"})
    as expected failures, and its passed cases that it lists as failures.
    Returns whether any listed case failed."""
    listed = {case: line for (suite, case), line in xfail.items()
              if suite == t.name}
    if not listed:
        return False
    expected = [f for f in t.fails if f[0] in listed]
    t.fails = [f for f in t.fails if f[0] not in listed]
    t.failed -= len(expected)
    t.xfail += len(expected)
    for (name,) in t.passes:
        if name in listed:
            t.passed -= 1
            t.failed += 1
            t.xpasses.append([name, listed[name]])
    return bool(expected)


def check_suite(results, stem, xfail):
    t = Tally(re.sub(r'^\d+-', '', stem))
    text = read_text(os.path.join(results, stem + '.ktap'))
    if text is None:
        t.notes.append('cannot read the .ktap file')
    count, plan = parse_ktap(t, split_lines(text))
    had_xfail = apply_xfail(t, xfail)
    rc = read_text(os.path.join(results, stem + '.rc'))     # None: no .rc
    if rc is not None:
        rc = rc.strip()
        rc = str(int(rc)) if re.fullmatch('[0-9]+', rc) else rc
    if count == 0:                          # not a single result line
        if rc == str(KSFT_SKIP) or plan == 0:
            t.skipped += 1
            t.notes.append('skipped as a whole')
        elif plan:
            t.failed += plan
            t.notes.append(f'{plural(plan, "result")} missing (crashed?)')
        else:
            t.failed += 1
            t.notes.append('no results')
    elif plan is not None and count < plan:
        t.failed += plan - count
        t.notes.append(f'{plural(plan - count, "result")} missing (crashed?)')
    # KSFT_SKIP is never a failure; any other non-zero status is, except
    # KSFT_FAIL when the only failed cases were expected to fail.
    explained = had_xfail and not t.failed and rc == str(KSFT_FAIL)
    if rc not in (None, '0', str(KSFT_SKIP)) and not explained:
        t.notes.append(f'exit status {printable(rc) or "(empty .rc file)"}')
        t.failed = max(t.failed, 1)
    return t


def find_splats(lines, allow):
    """Excerpts (lists of lines) of the splats in the console LINES."""
    clean = [TIMESTAMP.sub('', line) for line in lines]
    ours = [c.startswith(HARNESS) for c in clean]
    hit = [not o and bool(SPLAT.search(c)) for c, o in zip(clean, ours)]
    splats, i = [], 0
    while i < len(clean):
        # A bare call trace (dump_stack()) is a splat, one shortly after a
        # report line belongs to that report.
        if hit[i] or (not ours[i] and CALL_TRACE.search(clean[i]) and
                      not any(hit[max(0, i - 20):i])):
            if any(a.search(clean[i]) for a in allow):
                # Its call trace is covered by the 20-line rule; anything
                # else that follows must be allowed on its own.
                i += 1
                continue
            end = min(len(clean), i + EXCERPT)
            for j in range(i + 1, end):
                if END_OF_SPLAT.search(clean[j]):
                    end = j + 1
                    break
            splats.append(lines[i:end])
            i = end     # the excerpt's lines belong to this splat
        else:
            i += 1
    return splats


def check_console(console, allow):
    t = Tally('kernel-log')
    if console is None:
        t.verdict(False, 'console log missing')
        return t
    splats = find_splats(console, allow)
    t.verdict(not splats, plural(len(splats), 'splat') if splats else None)
    for excerpt in splats[:MAX_EXCERPTS]:
        t.notes += [''] + [printable(line) for line in excerpt]
    if len(splats) > MAX_EXCERPTS:
        t.notes += ['', f'({len(splats) - MAX_EXCERPTS} more)']
    return t


def check_kmemleak(results, required):
    t = Tally('kmemleak')
    text = read_text(os.path.join(results, 'kmemleak.txt'))
    if text is None:
        t.verdict(not required, 'kmemleak scan did not run' if required
                  else None)
    elif text.strip():
        leaks = len(re.findall(r'unreferenced object 0x', text))
        t.verdict(False, f'{plural(leaks, "leaked object")} (kmemleak.txt):')
        t.notes += [printable(line) for line in split_lines(text)[:20]]
    else:
        t.verdict(True)
    return t


def check_guest(results, console, timed_out):
    t = Tally('guest')
    done = os.path.exists(os.path.join(results, 'done'))
    if timed_out or not done:
        t.verdict(False, 'timed out' if timed_out else 'guest did not finish')
        t.notes.append(f'last {TAIL} console lines:' if console
                       else 'no console log')
        t.notes += [printable(line) for line in (console or [])[-TAIL:]]
    else:
        t.verdict(True)
    return t


def cmd_suite(args, allow, xfail):
    try:
        ktaps = sorted(f[:-5] for f in os.listdir(args.results)
                       if f.endswith('.ktap'))
    except OSError:
        ktaps = []
    text = read_text(args.console)
    console = None if text is None else split_lines(text)
    tallies = [check_suite(args.results, stem, xfail) for stem in ktaps]
    tallies += [check_console(console, allow),
                check_kmemleak(args.results, args.require_kmemleak),
                check_guest(args.results, console, args.timed_out)]

    width = max(len(t.name) for t in tallies)
    for t in tallies:
        print(f'  {args.arch} {t.name:<{width}} {t.passed:3} passed, '
              f'{t.failed} failed, {t.skipped} skipped'
              + (f', {t.xfail} xfail' if t.xfail else '')
              + ('  FAIL' if t.failed else ''))
        for name, diag in t.fails:
            print(f'    not ok {name}')
            print(''.join(f'        {d}\n' for d in diag[:5]), end='')
        for name, where in t.xpasses:
            print(f'    ok {name}, but it is listed as an expected failure:')
            print(f'        delete line {where} (the file may only shrink)')
        for note in t.notes:
            print(f'    {note}'.rstrip())

    summary = {'arch': args.arch,
               **{k: sum(getattr(t, k) for t in tallies)
                  for k in ('passed', 'failed', 'skipped', 'xfail')}}
    path = os.path.join(args.results, 'summary.json')
    try:
        os.makedirs(args.results, exist_ok=True)
        with open(path + '.tmp', 'w') as f:
            json.dump(summary, f)
            f.write('\n')
        os.replace(path + '.tmp', path)
    except OSError as e:
        sys.exit(f'results.py: cannot write {path}: {e}')
    return 0


def cmd_total(args):
    passed = failed = skipped = xfail = 0
    for d in args.dirs:
        try:
            with open(os.path.join(d, 'summary.json')) as f:
                s = json.load(f)
            p, fl, sk = (int(s[k]) for k in ('passed', 'failed', 'skipped'))
            xf = int(s.get('xfail', 0))
        except (OSError, ValueError, KeyError, TypeError,
                AttributeError) as e:
            print(f'  {d}: no usable summary.json ({e}), counted as 1 failure')
            failed += 1
            continue
        passed, failed, skipped = passed + p, failed + fl, skipped + sk
        xfail += xf
    if passed == 0:
        print('  nothing passed')
    print(f'{passed} passed, {failed} failed, {skipped} skipped'
          + (f', {xfail} xfail' if xfail else ''))
    return 1 if failed or not passed else 0


def load_allow(parser, path):
    allow = []
    text = read_text(path)
    if text is None:
        parser.error(f'cannot read --allow file {path}')
    for line in split_lines(text):
        line = line.strip()
        if line and not line.startswith('#'):
            try:
                allow.append(re.compile(line))
            except re.error as e:
                parser.error(f'{path}: bad regex {line!r}: {e}')
    return allow


def load_xfail(parser, path):
    """{(suite, case): "PATH:line"} of the expected-failures file PATH."""
    xfail = {}
    text = read_text(path)
    if text is None:
        parser.error(f'cannot read --xfail file {path}')
    for n, line in enumerate(split_lines(text), 1):
        line = re.sub(r'(^|\s)#.*', '', line).strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 2:
            parser.error(f'{path}:{n}: want "SUITE CASE  # reason", '
                         f'got {line!r}')
        xfail[tuple(fields)] = f'{os.path.relpath(path)}:{n}'
    return xfail


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('suite', help='summarise one guest run')
    s.add_argument('--arch', required=True)
    s.add_argument('--results', required=True, metavar='DIR')
    s.add_argument('--console', required=True, metavar='LOG')
    s.add_argument('--timed-out', action='store_true')
    s.add_argument('--require-kmemleak', action='store_true')
    s.add_argument('--allow', metavar='FILE')
    s.add_argument('--xfail', metavar='FILE', action='append', default=[],
                   help='expected failures (may be given more than once)')
    t = sub.add_parser('total', help='add up summary.json files')
    t.add_argument('dirs', nargs='+', metavar='DIR')
    args = parser.parse_args()
    if args.cmd == 'total':
        return cmd_total(args)
    return cmd_suite(args, load_allow(s, args.allow) if args.allow else [],
                     {k: v for f in args.xfail
                      for k, v in load_xfail(s, f).items()})


if __name__ == '__main__':
    sys.exit(main())
