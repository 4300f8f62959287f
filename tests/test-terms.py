#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# test-terms.py PODIR: one term per concept in every language.  Each message
# whose English names a concept must use that language's one word for it
# ("Traditional" and "a traditional cache" alike: "herkömmlich" in German,
# "传统" in Chinese).  Prints TAP.

import json
import re
import sys

# concept (regex on the English) -> language -> the one term (regex on the translation)
GLOSSARY = {
    r'\btraditional\b': {'de': r'herkömmlich', 'zh_CN': r'传统'},
    r'\breserved length\b': {'de': r'reservierte(n)? Länge', 'zh_CN': r'预留长度'},
    r'\bsequence length\b': {'de': r'Sequenzlänge', 'zh_CN': r'序列长度'},
    r'\bblock count\b': {'de': r'Blockanzahl', 'zh_CN': r'块数量'},
    r'\bblock size\b': {'de': r'Blockgröße', 'zh_CN': r'块大小'},
    r'\bblock pool\b': {'de': r'Blockpool', 'zh_CN': r'块池'},
    r'\bmemory saved\b': {'de': r'[Gg]espart', 'zh_CN': r'节省'},
    # vLLM's n, parallel sampling: the outputs of one prompt ("Stichproben",
    # a statistics word, said something else); not the --samples option.
    r'(?<![-\w])samples?\b': {'de': r'Ausgabe', 'zh_CN': r'样本'},
}


def unquote(lines):
    return ''.join(json.loads(line[line.index('"'):]) for line in lines)


def entries(path):
    for block in open(path, encoding='utf-8').read().split('\n\n'):
        lines = [l for l in block.split('\n') if l and not l.startswith('#')]
        if not lines or any(l.startswith('msgid_plural') for l in lines):
            # Plural forms: checked through their singular below.
            pass
        msgid, msgstr, current = [], [], None
        for line in lines:
            if line.startswith('msgid '):
                current = msgid
            elif line.startswith('msgstr'):
                current = msgstr
            elif line.startswith('msgid_plural') or line.startswith('msgctxt'):
                current = None
                continue
            if current is not None:
                current.append(line)
        if msgid and msgstr:
            yield unquote(msgid), unquote(msgstr)


podir = sys.argv[1]
langs = ['de', 'zh_CN']
print(f'1..{len(langs) + 1}')
for n, lang in enumerate(langs, 1):
    wrong = []
    for english, translated in entries(f'{podir}/{lang}.po'):
        if not english or not translated:
            continue
        for concept, terms in GLOSSARY.items():
            # Mnemonics and case do not make another word.
            if re.search(concept, english.replace('_', ''), re.I) and \
               not re.search(terms[lang], translated.replace('_', ''), re.I):
                wrong.append(f'{english!r} -> {translated!r} (wants {terms[lang]})')
    if wrong:
        print(f'not ok {n} {lang}.po uses one term per concept')
        for w in wrong:
            print(f'# {w}')
    else:
        print(f'ok {n} {lang}.po uses one term per concept')

# The English strings write an apostrophe as ’, as all but a few did (the
# serving view's, the paper's): one typography in the window.
straight = sorted({english for english, _ in entries(f'{podir}/de.po')
                   if re.search(r"\w'\w", english)})
n = len(langs) + 1
if straight:
    print(f'not ok {n} the English strings write apostrophes as ’')
    for english in straight:
        print(f'# {english!r}')
else:
    print(f'ok {n} the English strings write apostrophes as ’')
