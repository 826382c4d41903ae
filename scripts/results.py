#!/usr/bin/env python3
"""Summarise what a test guest left behind.

  results.py suite --arch A --results DIR --console LOG [--timed-out]
             [--require-kmemleak] [--allow FILE]
      One line per suite of DIR (KTAP files written by the guest), then the
      pseudo-suites kernel-log (no splat in LOG), kmemleak (no leak report)
      and guest (it finished).  Writes DIR/summary.json.

  results.py total DIR...
      Adds up the summary.json files and prints "N passed, N failed,
      N skipped"; exits 1 if anything failed or nothing passed.
"""
import argparse
import json
import os
import re
import sys

RESULT = re.compile(r'^(\s*)(not ok|ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$')
PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')

SPLAT = re.compile('|'.join([
    r'BUG:', r'WARNING:', r'Oops', r'kernel BUG at', r'Kernel panic',
    r'KASAN:', r'UBSAN:', r'general protection fault',
    r'Unable to handle kernel', r'possible circular locking',
    r'possible recursive locking', r'inconsistent lock state',
    r'suspicious RCU usage', r'detected stalls', r'self-detected stall',
    r'INFO: task .* blocked for more than', r'soft lockup', r'hard LOCKUP',
    r'list_add corruption', r'list_del corruption', r'unreferenced object 0x',
    r'kmemleak:.*new suspected memory leaks',
]))
CALL_TRACE = re.compile(r'Call [Tt]race:')
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')


def read_lines(path):
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return [l.rstrip('\r\n').replace('\r', '') for l in f]
    except FileNotFoundError:
        return None


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []      # names of failed cases, or reasons

    def fail(self, why):
        self.failed += 1
        self.failures.append(why)


def parse_ktap(lines, rc):
    """Count leaf test results of one KTAP/TAP stream."""
    t = Tally()
    # (indent, ok, name, directive) of each result line, in order
    results = []
    diags = {}      # result index -> assertion messages printed before it
    pending = []
    top_plan = None
    for line in lines:
        m = PLAN.match(line)
        if m:
            if top_plan is None:
                top_plan = (len(m.group(1)), int(m.group(2)))
            continue
        m = RESULT.match(line)
        if m:
            diags[len(results)] = pending[-5:]
            pending = []
            results.append((len(m.group(1)), m.group(2) == 'ok',
                            m.group(4), (m.group(5) or '').strip()))
        elif re.search(r'Expected|EXPECTATION FAILED|ASSERTION FAILED|:\d+:', line):
            pending.append(line.strip())

    for i, (indent, ok, name, directive) in enumerate(results):
        # A result is a parent if the results just before it are deeper.
        children = []
        j = i - 1
        while j >= 0 and results[j][0] > indent:
            children.append(results[j])
            j -= 1
        d = directive.upper()
        if children:
            if not ok and not any(not c[1] and not c[3].upper().startswith(('SKIP', 'TODO'))
                                  for c in children):
                t.fail(f'{name} (suite failed)')
            continue
        if d.startswith('SKIP') or d.startswith('TODO'):
            t.skipped += 1
        elif ok or d.startswith('XFAIL'):
            t.passed += 1
        else:
            t.fail('\n'.join([name] + ['  ' + x for x in diags.get(i, [])]))

    if top_plan is not None:
        indent, planned = top_plan
        seen = sum(1 for r in results if r[0] == indent)
        if seen < planned:
            t.fail(f'{planned - seen} results missing (crashed?)')

    if rc is not None and rc != 0 and t.failed == 0:
        if rc == 4 and not results:
            t.skipped += 1
        else:
            t.fail(f'exit status {rc}')
    elif not results and t.failed == 0 and t.skipped == 0:
        t.fail('no results')
    return t


def load_allow(path):
    if not path:
        return []
    pats = []
    for line in read_lines(path) or []:
        line = line.strip()
        if line and not line.startswith('#'):
            pats.append(re.compile(line))
    return pats


def find_splats(lines, allow):
    """Return excerpts (lists of lines) of kernel splats in a console log.

    A splat starts at a line matching SPLAT (or a call trace outside any
    splat) and runs to its "---[ end trace" line, at most 40 lines; lines
    inside an excerpt do not start new splats.
    """
    text = [TIMESTAMP.sub('', l) for l in lines]
    splats = []
    i = 0
    while i < len(text):
        l = text[i]
        if l.startswith('iommufd-harness:') or \
                not (SPLAT.search(l) or CALL_TRACE.search(l)):
            i += 1
            continue
        end = i
        while end < min(i + 40, len(text)):
            end += 1
            if '---[ end trace' in text[end - 1]:
                break
        if not any(p.search(l) for p in allow):
            splats.append(text[i:end])
        i = end
    return splats


def cmd_suite(a):
    rows = []
    files = sorted(f for f in os.listdir(a.results) if f.endswith('.ktap')) \
        if os.path.isdir(a.results) else []
    for f in files:
        base = f[:-len('.ktap')]
        rc_lines = read_lines(os.path.join(a.results, base + '.rc'))
        rc = None
        if rc_lines:
            try:
                rc = int(rc_lines[0].strip())
            except ValueError:
                rc = 255
        t = parse_ktap(read_lines(os.path.join(a.results, f)) or [], rc)
        rows.append((re.sub(r'^\d+-', '', base), t, []))

    console = read_lines(a.console) or []
    t = Tally()
    splats = find_splats(console, load_allow(a.allow))
    if splats:
        t.fail(f'{len(splats)} splat(s) in {a.console}')
    else:
        t.passed += 1
    details = []
    for s in splats[:3]:
        details += ['    ' + l for l in s] + ['']
    if len(splats) > 3:
        details.append(f'    ({len(splats) - 3} more)')
    rows.append(('kernel-log', t, details))

    t = Tally()
    leaks = read_lines(os.path.join(a.results, 'kmemleak.txt'))
    details = []
    if leaks is None:
        if a.require_kmemleak:
            t.fail('kmemleak scan did not run')
        else:
            t.skipped += 1
    elif any(l.strip() for l in leaks):
        t.fail('kmemleak reports leaks')
        details = ['    ' + l for l in leaks[:40]]
    else:
        t.passed += 1
    rows.append(('kmemleak', t, details))

    t = Tally()
    details = []
    if a.timed_out:
        t.fail('guest timed out (killed)')
    elif not os.path.exists(os.path.join(a.results, 'done')):
        t.fail('guest did not finish')
    else:
        t.passed += 1
    if t.failed:
        details = ['    ' + l for l in console[-40:]]
    rows.append(('guest', t, details))

    width = max(len(r[0]) for r in rows)
    total = Tally()
    for name, t, details in rows:
        mark = '  FAIL' if t.failed else ''
        print(f'  {a.arch} {name:<{width}} {t.passed:4} passed, {t.failed} failed, '
              f'{t.skipped} skipped{mark}')
        for why in t.failures:
            print('      not ok: ' + why.replace('\n', '\n              '))
        for l in details:
            print(l)
        total.passed += t.passed
        total.failed += t.failed
        total.skipped += t.skipped

    os.makedirs(a.results, exist_ok=True)
    with open(os.path.join(a.results, 'summary.json'), 'w') as f:
        json.dump({'arch': a.arch, 'passed': total.passed,
                   'failed': total.failed, 'skipped': total.skipped}, f)
    return 0


def cmd_total(a):
    p = f = s = 0
    for d in a.dirs:
        try:
            with open(os.path.join(d, 'summary.json')) as fh:
                j = json.load(fh)
            p += j['passed']
            f += j['failed']
            s += j['skipped']
        except (OSError, ValueError, KeyError):
            print(f'  {d}: no results (build or boot failed)')
            f += 1
    print(f'{p} passed, {f} failed, {s} skipped')
    return 1 if f or not p else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('suite')
    s.add_argument('--arch', required=True)
    s.add_argument('--results', required=True)
    s.add_argument('--console', required=True)
    s.add_argument('--timed-out', action='store_true')
    s.add_argument('--require-kmemleak', action='store_true')
    s.add_argument('--allow')
    t = sub.add_parser('total')
    t.add_argument('dirs', nargs='+')
    a = ap.parse_args()
    return cmd_suite(a) if a.cmd == 'suite' else cmd_total(a)


if __name__ == '__main__':
    sys.exit(main())
