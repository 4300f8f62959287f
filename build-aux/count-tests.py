# SPDX-License-Identifier: GPL-3.0-or-later
"""Counts the individual GTest cases in a meson test log: each TAP line
"ok N", "not ok N" (or "... # SKIP"), plus each non-TAP test as one case.
Prints "N passed, N failed, N skipped"; exits 1 when nothing ran."""

import json
import re
import sys

passed = failed = skipped = 0
tap_line = re.compile(r'^(not ok|ok)\b(.*)$')

with open(sys.argv[1], encoding='utf-8') as log:
    for line in log:
        entry = json.loads(line)
        output = entry.get('stdout') or ''
        results = [tap_line.match(l) for l in output.splitlines()]
        results = [m for m in results if m]
        if entry.get('protocol') == 'tap' or results:
            if not results and entry.get('result') not in ('OK', 'SKIP'):
                failed += 1
            if not results and entry.get('result') == 'SKIP':
                skipped += 1
            failed_here = 0
            for m in results:
                if '# SKIP' in m.group(2).upper():
                    skipped += 1
                elif m.group(1) == 'ok':
                    passed += 1
                else:
                    failed_here += 1
            # A crash after some cases passed still counts as a failure.
            if results and not failed_here and entry.get('result') not in ('OK', 'SKIP'):
                failed_here = 1
            failed += failed_here
        elif entry.get('result') == 'OK':
            passed += 1
        elif entry.get('result') == 'SKIP':
            skipped += 1
        else:
            failed += 1

print(f'{passed} passed, {failed} failed, {skipped} skipped')
sys.exit(1 if passed + failed == 0 else 0)
