"""The event-pattern engine: compile an EventBridge pattern once, then match events and explain why.

    >>> from crnotify.patterns import compile_pattern
    >>> rule = compile_pattern({"source": ["acs.cr"], "data": {"Tag": [{"prefix": "release-"}]}})
    >>> rule.matches({"source": "acs.cr", "data": {"Tag": "release-1.2"}})
    True
    >>> print(rule.explain({"source": "acs.cr", "data": {"Tag": "v1.2"}}))
    did not match (alibaba dialect)
      ✓ source: 'acs.cr' matched 'acs.cr'
      ✗ data.Tag: 'v1.2' did not match prefix 'release-'

Two dialects: `alibaba` (Alibaba Cloud EventBridge, the default) and `aws` (Amazon EventBridge).
Sources: Alibaba "Event patterns" (https://www.alibabacloud.com/help/en/eventbridge/user-guide/event-patterns,
older text https://www.alibabacloud.com/help/doc-detail/181432.htm), its limits page, and the open-source
engine apache/rocketmq-eventbridge (`tools/pattern`); AWS "Event patterns" and "Comparison operators"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html) and
aws/event-ruler.
Summarised in shared/research/alibaba-facts.md §3 and aws-facts.md §4.

Common rules: a pattern is a JSON object shaped like the event; every leaf is a non-empty array whose
entries are ORed; fields are ANDed; every named field must be present (except with `exists: false`);
strings match exactly and case-sensitively; `""` and `null` never match each other; when the event value
is an array the field matches if any of its values matches (the arrays intersect).

Operators: exact values (strings, numbers, true, false, null), `prefix`, `suffix`, `anything-but` (a value,
a list, or `{"prefix": …}`), `numeric`, `cidr`, `exists`; the alibaba dialect adds `contains`; the aws
dialect adds `equals-ignore-case`, `prefix`/`suffix` with `{"equals-ignore-case": …}`, `wildcard`,
`anything-but` with `suffix`/`equals-ignore-case`/`wildcard` (each taking a string or a list of strings,
and `prefix` a list too), and `$or`. An operator of the other dialect is rejected as unknown.

Decisions where the sources are silent or disagree (each is pinned by a corpus case):

- Exact numbers: in aws they compare by value (300 = 300.0 = 3.0e2), as event-ruler does: its compiler
  adds a numeric-equality matcher to every exact number (JsonRuleCompilerTest, ByteMachineTest; see
  tests/patterns/validated/README.md). The AWS docs' "300, 300.0 and 3.0e2 differ" is not what the engine
  does. In alibaba they compare by their text, as apache/rocketmq-eventbridge does
  (PatternEvaluatorTest.evaluateWithScientificNumber: [3.0e2] does not match 300) and the older docs say;
  "text" is the text of the parsed value (int 300 → "300", float 300.0 → "300.0"), so 300.0 and 3.0e2 are
  equal here: JSON parsing has forgotten their spelling. Strings never equal numbers, and true/false never
  equal 1/0, in both dialects (the open-source Alibaba engine compares `getAsString()` and so lets "5"
  equal 5; the docs describe values as typed JSON, and we follow them).
- Validated corpora: tests/patterns/validated/ holds event-ruler's and rocketmq-eventbridge's own test
  cases as data; every case agrees with this engine except the few its README lists with the reason.
- Arrays of objects: fields of a sub-pattern must all be satisfied by one element of the event array
  (AWS's array-consistent matching, event-ruler README). Alibaba documents nothing here (its open-source
  engine, which reads paths with JSONPath, matches nothing inside arrays of objects); we apply the same
  rule in both dialects. `exists: false` inside an array of objects is judged per element, like every
  other field.
- `exists` tests leaves only (AWS docs): an object, an empty array or a missing key is "absent", so
  `exists: false` matches them and `exists: true` does not; `null` is a present value. Same for alibaba.
- `anything-but` needs the field to be present, matches `null`, and with an array matches if any value is
  not excluded. In aws its list is all strings or all numbers, and numbers are compared by value
  (event-ruler `ComparableNumber`); in alibaba it may hold any JSON scalars, compared like exact values.
- `numeric`: alibaba accepts `=`, `!=`, `>`, `>=`, `<`, `<=` in one or two pairs in any order (open-source
  engine), bounds within ±1.0e9 with at most 6 decimal places and 15 significant digits (docs), equality
  within 1e-7 (open-source engine); aws accepts `=`, `>`/`>=`, `<`/`<=`, or `>`/`>=` then `<`/`<=` with
  low < high (event-ruler), any finite bounds (event-ruler uses doubles; the older docs' ±1.0e9 is not
  enforced). Only JSON numbers match; booleans are not numbers.
- `cidr`: aws needs `address/bits`, IPv4 or IPv6; alibaba is IPv4 only and also accepts a single address
  (open-source engine). Host bits may be set (`10.0.0.1/24` means `10.0.0.0/24`).
- Validation: alibaba rejects empty `prefix`/`suffix`/`contains` (open-source engine) and allows at most 5
  operator expressions per field ("stringExpression" limit; exact values are not counted, so ACR's
  generated lists of repositories stay valid); it reads an object holding several operators, as in the
  CreateRule example `{"prefix": …, "suffix": …}`, as their AND, and `{}` as "match every event"
  (open-source engine). aws allows one operator per object, rejects `{}`, and limits the pattern to 2048
  characters (the EventBridge quota; the API model says 4096), counted on the text given or, for a
  mapping, on its compact JSON.
- `$or` (aws): an array of at least 2 objects whose keys are not operator names; anything else keeps
  `$or` as an ordinary field name (event-ruler README). In alibaba an `$or` group is rejected.
- A pattern key containing a dot is an ordinary key here; AWS says `{"a.b": …}` and `{"a": {"b": …}}`
  collide and warns not to rely on it.
"""

from crnotify.patterns._compile import CompiledPattern, compile_pattern
from crnotify.patterns._types import Dialect, Explanation, FieldVerdict, InvalidPatternError

__all__ = [
    "CompiledPattern",
    "Dialect",
    "Explanation",
    "FieldVerdict",
    "InvalidPatternError",
    "compile_pattern",
]
