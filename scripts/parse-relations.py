#!/usr/bin/python3
"""Parses held-out sentences with the CMU link grammar parser (Debian's
link-grammar, python3-link-grammar) for the syntactic-head measurements.
Build time only: the browser never runs a parser.

    /usr/bin/python3 scripts/parse-relations.py IN.txt OUT.jsonl [--limit N]

One JSON object per parsed sentence: "text" (curly quotes straightened, as the
tokenizer sees it), "words" ([begin, end, word]: UTF-8 bytes in "text"; the
walls have begin == end) and "links" ([left word, right word, label]).
Sentences without a complete parse (null links), or over 30 words, are
skipped; the count is printed. cpp/analysis/relations.h maps labels to relations.
"""
import json
import sys

from linkgrammar import Dictionary, ParseOptions, Sentence, LG_TimerExhausted  # noqa: F401
import linkgrammar.clinkgrammar as clg


def straighten(text):
    return text.replace('\u2019', "'").replace('\u2018', "'").replace('\u201c', '"').replace('\u201d', '"')


def main():
    source, target = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[sys.argv.index('--limit') + 1]) if '--limit' in sys.argv else None
    dictionary = Dictionary('en')
    options = ParseOptions(min_null_count=0, max_null_count=0, linkage_limit=1, max_parse_time=2, verbosity=0)
    parsed = skipped = 0
    with open(source, encoding='utf-8') as lines, open(target, 'w', encoding='utf-8') as out:
        for line in lines:
            text = straighten(line.strip())
            if not text or len(text.split()) > 30:
                skipped += 1
                continue
            try:
                linkages = Sentence(text, dictionary, options).parse()
                linkage = next(iter(linkages), None)
            except Exception:  # the parser gives up on some inputs: skip them
                linkage = None
            if linkage is None or linkage.unused_word_cost() > 0:
                skipped += 1
                continue
            words = []
            for w in range(linkage.num_of_words()):
                words.append([linkage.word_byte_start(w), linkage.word_byte_end(w), linkage.word(w)])
            links = [[clg.linkage_get_link_lword(linkage._obj, k), clg.linkage_get_link_rword(linkage._obj, k),
                      clg.linkage_get_link_label(linkage._obj, k)] for k in range(linkage.num_of_links())]
            out.write(json.dumps({'text': text, 'words': words, 'links': links}, ensure_ascii=False) + '\n')
            parsed += 1
            if limit and parsed >= limit:
                break
    print(f'parse-relations: {parsed} sentences parsed, {skipped} skipped -> {target}')


if __name__ == '__main__':
    main()
