#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-invariants.py KVPAGE CONFIGS: every model of --list-models (and the
# sliding-window-only Mistral-7B-v0.1 of CONFIGS) on a few GPUs, lengths,
# splits and pools, through --json, with the rules a reader of the figures
# relies on: used + unused = each bar's bytes, the slack no more than the
# bytes, percentages from 0 to 100, the blocks within the pool, capacities
# beside vLLM's concurrency, no wrapped-around numbers, the log lines as vLLM
# formats them (and as --vllm-log prints them), refusals in one line with
# exit 2.  One TAP line per model.

import concurrent.futures
import json
import math
import os
import subprocess
import sys

KVPAGE = sys.argv[1]
CONFIGS = sys.argv[2]
GPUS = ('h100-80gb', 'l4', None)
ENV = dict(os.environ, LC_ALL='C.UTF-8', LANGUAGE='')


def run(args):
    p = subprocess.run([KVPAGE] + args, capture_output=True, text=True, env=ENV)
    return p.returncode, p.stdout, p.stderr


def has_layout(d):
    """Whether the comparison counts the blocks by vLLM's groups: several
    groups, or one whose window caps a request below its own blocks."""
    groups = d.get('layer_groups')
    if not groups:
        return False
    if sum(g['groups'] for g in groups) > 1:
        return True
    cdiv = -(-d['max_seq_len'] // d['block_size'])
    return groups[0]['kind'] != 'full' and groups[0]['blocks_per_request_per_group'] < cdiv


def check_bars(d, bad):
    S, n, R = d['samples'], d['sequence_length'], d['max_seq_len']
    bpt, B, N = d['bytes_per_token'], d['block_size'], d['num_blocks']
    held = d['shared_blocks'] + d['own_blocks']
    hybrid = has_layout(d)

    if d['traditional_bytes'] != S * R * bpt:
        bad('traditional_bytes is not samples × R × bytes per token')
    if d['traditional_waste_tokens'] != S * (R - n):
        bad('traditional_waste_tokens is not samples × (R − n)')
    if d['traditional_bytes'] - d['traditional_waste_bytes'] != S * n * bpt:
        bad('traditional used + unused is not its bytes')
    if d['paged_waste_bytes'] > d['paged_bytes']:
        bad(f"paged slack {d['paged_waste_bytes']} is more than the paged bytes {d['paged_bytes']}")
    if d['memory_saved_bytes'] != d['traditional_bytes'] - d['paged_bytes']:
        bad('memory_saved_bytes is not traditional − paged')
    for key in ('utilization_percent', 'sharing_saving_percent'):
        if not 0 <= d[key] <= 100:
            bad(f'{key} {d[key]} is not a percentage')
    if d['memory_saved_percent'] > 100:
        bad('memory_saved_percent is over 100')
    # vLLM's pool keeps block 0 as its null block: usage counts the rest.
    usable = d.get('num_usable_blocks', N)
    if d['blocks_used'] + d['blocks_free'] != usable or d['blocks_used'] > usable:
        bad(f'blocks_used + blocks_free is not the {usable} usable blocks')
    if not math.isclose(d['utilization_percent'], 100 * d['blocks_used'] / usable, rel_tol=1e-12):
        bad(f'utilization_percent {d["utilization_percent"]} is not blocks_used / {usable}')
    if d['fits_in_pool'] != (held <= usable):
        bad(f'fits_in_pool {d["fits_in_pool"]} with {held} blocks held of {usable}')
    if d['fits_in_pool'] and not hybrid and d['blocks_used'] != held:
        bad('blocks_used is not the blocks held')
    if d['paged_capacity'] != N // held:
        bad(f'paged_capacity {d["paged_capacity"]} is not {N} // {held}')
    # The traditional capacity is the pool's bytes over a reservation's: the
    # pool vLLM allocates (padding layers included), the real layers reserved.
    pool = (d['num_gpu_blocks'] * d['page_size_bytes'] * d['layers_per_group'] if 'num_gpu_blocks' in d
            else N * B * bpt)
    if d['traditional_capacity'] != pool // d['traditional_bytes']:
        bad(f'traditional_capacity {d["traditional_capacity"]} is not {pool} // {d["traditional_bytes"]}')
    if not hybrid:
        if d['paged_bytes'] != held * B * bpt:
            bad('paged_bytes is not blocks × B × bytes per token')
        if d['paged_waste_bytes'] != d['paged_waste_tokens'] * bpt:
            bad('paged_waste_bytes is not its tokens × bytes per token')
        if S == 1 and d['paged_bytes'] - d['paged_waste_bytes'] != n * bpt:
            bad('paged used + slack is not its bytes')
        if d['paged_waste_tokens'] >= max(S, 1) * B:
            bad(f'slack {d["paged_waste_tokens"]} is a block or more per sample')
    else:
        groups = sum(g['groups'] for g in d['layer_groups'])
        if d['paged_waste_tokens'] >= groups * B:
            bad(f'slack {d["paged_waste_tokens"]} is a block or more per group')


def check_vllm(d, bad):
    R = d['max_seq_len']
    if d['num_usable_blocks'] != d['num_gpu_blocks'] - 1:
        bad('num_usable_blocks is not num_gpu_blocks − 1')
    if d['num_gpu_blocks'] != d['kv_cache_memory_bytes'] // d['page_size_bytes'] // d['layers_per_group']:
        bad('num_gpu_blocks is not memory // page // layers per group')
    if d['blocks_per_request'] != sum(g['groups'] * g['blocks_per_request_per_group'] for g in d['layer_groups']):
        bad('blocks_per_request is not the groups summed')
    if not math.isclose(d['max_concurrency'], d['num_gpu_blocks'] / d['blocks_per_request'], rel_tol=1e-12):
        bad('max_concurrency is not num_gpu_blocks / blocks_per_request')
    if d['gpu_kv_cache_tokens'] != int(d['max_concurrency'] * R):
        bad('gpu_kv_cache_tokens is not int (max_concurrency × max_model_len)')
    if d['sequence_length'] == R and d['samples'] == 1:
        # vLLM's bound counts a window's alignment block a sequence may not hold.
        if d['blocks_needed'] > d['blocks_per_request']:
            bad(f'{d["blocks_needed"]} blocks needed at max_model_len, over vLLM\'s {d["blocks_per_request"]}')
        if d['paged_capacity'] < math.floor(d['max_concurrency']):
            bad(f'paged_capacity {d["paged_capacity"]} below max_concurrency {d["max_concurrency"]}')
    if sum(g['layers'] * g['bytes_per_token_per_layer'] for g in d['layer_groups']) != d['bytes_per_token']:
        bad('the groups\' bytes per token are not bytes_per_token')
    for g in d['layer_groups']:
        if g['padding_layers'] != g['groups'] * d['layers_per_group'] - g['layers']:
            bad('padding_layers is not groups × layers per group − layers')
    log = d['vllm_log']
    if d['kv_cache_memory_estimated']:
        gib = round(d['kv_cache_memory_bytes'] / 2 ** 30, 2)
        if f'Available KV cache memory: {gib} GiB' not in log:
            bad(f'no "Available KV cache memory: {gib} GiB" in {log}')
    last = (f'GPU KV cache size: {d["gpu_kv_cache_tokens"]:,} tokens, Maximum concurrency for {R:,} tokens '
            f'per request: {d["max_concurrency"]:.2f}x')
    if log[-1] != last:
        bad(f'the last log line {log[-1]!r} is not {last!r}')


def check_numbers(d, bad):
    for key, value in d.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not key.startswith('memory_saved') and value < 0:
            bad(f'{key} is negative: {value}')
        if value > 2 ** 62 or (isinstance(value, float) and not math.isfinite(value)):
            bad(f'{key} is out of range: {value}')


def one(args):
    problems = []
    rc, out, err = run(args)

    def bad(why):
        problems.append(' '.join(args) + ': ' + why)

    if rc == 2:
        lines = err.strip().split('\n')
        if out or len(lines) != 1 or not lines[0].startswith('kvpage: '):
            bad(f'a refusal is not one line on stderr: {err!r}')
    elif rc != 0:
        bad(f'exit {rc}: {err.strip()}')
    else:
        d = json.loads(out)
        check_numbers(d, bad)
        check_bars(d, bad)
        if 'num_gpu_blocks' in d:
            check_vllm(d, bad)
            if d['sequence_length'] == d['max_seq_len']:
                # The log printed alone is the log in the JSON.
                rc2, log, _ = run([a for a in args if a != '--json'] + ['--vllm-log'])
                if rc2 != 0 or log.rstrip('\n').split('\n') != d['vllm_log']:
                    bad(f'--vllm-log {log!r} is not the JSON\'s {d["vllm_log"]}')
    return problems


def jobs_for(model, context):
    jobs = []
    for gpu in GPUS:
        where = ['--gpu', gpu] if gpu else []
        for n in sorted({1, 16, 17, 8192, context}):
            jobs.append(model + ['--seq-len', str(n)] + where)
        jobs.append(model + ['--samples', '4', '--prompt-len', '10', '--seq-len', '40'] + where)
    jobs.append(model + ['--gpu', 'h100-80gb', '--tensor-parallel-size', '2', '--seq-len', str(context)])
    jobs.append(model + ['--gpu', 'h100-80gb', '--seq-len', '8199', '--max-seq-len', '8200'])
    jobs.append(model + ['--kv-cache-memory', '1GiB', '--block-size', '64', '--seq-len', '100',
                         '--max-seq-len', '1000'])
    jobs.append(model + ['--blocks', '3', '--seq-len', '100'])
    return [job + ['--json'] for job in jobs]


def main():
    rc, out, err = run(['--list-models'])
    if rc != 0:
        print('1..0 # SKIP --list-models failed: ' + err)
        return
    models = []
    for line in out.splitlines()[1:]:
        fields = line.split()
        models.append((fields[0], ['--model', fields[0]], int(fields[-2])))
    models.append(('mistral-7b-v0.1 (config)', ['--config', os.path.join(CONFIGS, 'mistral-7b-v0.1.json')], 32768))

    print(f'1..{len(models)}')
    with concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        results = [(name, pool.map(one, jobs_for(args, context))) for name, args, context in models]
        for i, (name, problems) in enumerate(results, 1):
            found = [p for ps in problems for p in ps]
            print(('ok' if not found else 'not ok') + f' {i} {name}')
            for p in found[:20]:
                print('# ' + p)


main()
