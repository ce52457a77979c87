"""What a proof body may contain, decided before Lean runs: an allow-list over Lean's own tokens.

Why an allow-list: Lean 4 and Mathlib have many entry points that run arbitrary `MetaM`/`TacticM`/
`CommandElabM` code from inside a proof (`run_tac`, `by_elab`, `run_cmd`, `run_meta`, `#eval`,
`elab`, `simproc`, a `config` term that is compiled and evaluated, ...) or as a command after the
proof, and such code can add a constant of the problem's name, print bytes on the REPL's answer
channel or register a process-wide linter. A list of forbidden words is never complete. So:

1. The proof is tokenized exactly as Lean does (`lexer.py`): what the rules call a comment or a
   string is one for Lean too. A text Lean cannot tokenize is rejected (Lean rejects it as well).
   Where a token this lexer does not know (Mathlib's table is open-ended) or another Lean version
   could move a comment or literal boundary, the proof is rejected: a comment opener glued to the
   text before it (`<--x` is `<-` then `-x` for Lean; a comment only counts after whitespace), a
   `'` after a symbol that is not a known token, raw strings, string escapes other than
   `\\\\ \\" \\' \\n \\t`, string gaps, and `{`/`}` in strings (an interpolated string reads code
   there). A line to the left of the proof's first token is refused: Lean ends the theorem there.
2. Every tactic — each token at a tactic position of the proof's tactic blocks (`by` blocks,
   `·` bullets, `case … =>` alternatives, `<;>`, `;`, `first | …`, combinators such as `try`) — must
   be in `TACTICS`, a list of Lean/Mathlib tactics that elaborate proof terms and run no user code.
   Search tactics (`exact?`, …) stay out: they only suggest a proof.
3. Everywhere else only math may appear: identifiers (not in the namespaces of metaprogramming
   and I/O — `Lean.`, `IO.`, `System.`, … — and none of the few root-level functions that run
   effects from pure code), numerals, plain strings, Lean's and Mathlib's notation. A word that
   is a command, a declaration keyword or a metaprogramming keyword anywhere in the text is
   rejected (`COMMANDS`, `META`): after a parse error Lean skips to the next command keyword and
   runs it, so position does not matter for these.
4. Two commands are allowed as tactic/term combinators because they only scope a setting over a
   proof: `set_option OPT VALUE in` for options in `OPTIONS` (heartbeats, recursion depth,
   printing, linters — never `debug.skipKernelTC` or anything that changes what is trusted), and
   `open NS… in` / `open scoped NS… in` for math namespaces in `NAMESPACES`.
5. `(config := …)` and the like are compiled and evaluated by the tactic: they may hold only a
   structure literal of field names, numerals, `true`/`false` and brackets. Aesop's rule clauses
   (`aesop (add …)`) name tactics to run and are rejected.
6. Characters outside ASCII and the mathematical blocks Mathlib's notation uses (`SYMBOL_RANGES`)
   are rejected outside comments: look-alikes of keywords, zero-width and bidirectional controls
   never reach Lean.

`native_decide` (and its axiom `Lean.ofReduceBool`, checked after Lean) is allowed only with
`allow_native_decide`. None of this decides that a proof is correct: that is the trusted check
after Lean (`repl.py`). The rules make sure that nothing but Lean's own elaboration runs, so that
check reads a clean answer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from monkeys.tasks.minif2f.lexer import LexError, Token, lex

# Tactics (tactic-position words) that build a proof term from Lean's and Mathlib's own code.
TACTICS = frozenset(
    """
    abel abel1 abel_nf absurd ac_rfl aesop all_goals and_intros any_goals apply apply_assumption apply_fun
    apply_mod_cast apply_rules assumption assumption_mod_cast bound by_cases by_contra by_contra! calc
    cancel_denoms case case' cases cases' casesm change choose classical clear clear_value compute_degree
    congr congr! congrm constructor constructorm contradiction contrapose contrapose! conv conv_lhs
    conv_rhs convert convert_to decide delta done dsimp eq_refl erw exact exact_mod_cast exacts exfalso
    exists existsi ext ext1 fail fapply fconstructor field_simp filter_upwards fin_cases first focus
    fun_prop funext gcongr generalize group have haveI induction induction' infer_instance injection
    injections interval_cases intro intros introv iterate left let letI lift linarith linarith!
    linear_combination match mod_cases monicity next nlinarith nlinarith! nofun nomatch noncomm_ring
    nontriviality norm_cast norm_num norm_num1 nth_rewrite nth_rw obtain omega on_goal peel pick_goal
    positivity push_cast push_neg qify rcases rcongr refine refine' rel rename rename_i repeat repeat'
    replace revert rewrite rfl right ring ring1 ring_nf ring! ring1! ring_nf! rintro rify rotate_left
    rotate_right rsuffices rw rwa rw_mod_cast set show simp simp_all simp_arith simp_rw simpa skip
    solve_by_elim specialize split split_ands split_ifs subst subst_vars suffices swap symm tauto
    trans trivial trace trace_state triv unfold unfold_let use use! with_reducible wlog zify
    lhs rhs arg enter pattern zeta reduce whnf try repeat repeat' focus iterate
    """.split()
)
# Tactics that take a tactic sequence after them (a new block starts at the next token).
BLOCK_COMBINATORS = frozenset({"all_goals", "any_goals", "try", "repeat", "repeat'", "focus", "iterate", "classical",
                               "with_reducible"})
# Tactics whose `=>` (`case h =>`, `induction n with | zero =>`, `conv =>`) is followed by tactics.
ALTERNATIVES = frozenset({"case", "case'", "next", "on_goal", "induction", "cases", "match", "conv", "conv_lhs",
                          "conv_rhs", "pick_goal"})
NATIVE = frozenset({"native_decide"})

# Sorry and its spellings.
SORRY = {"sorry": "sorry", "admit": "admit", "stop": "sorry", "sorryAx": "sorry"}
# Commands and declaration keywords: not part of any proof.
COMMANDS = {
    **dict.fromkeys("theorem lemma def example abbrev instance axiom opaque structure class inductive coinductive "
                    "mutual irreducible_def alias proof_wanted".split(), "new declaration"),
    **dict.fromkeys("namespace section end variable universe import export attribute local scoped private "
                    "protected noncomputable partial unsafe nonrec deriving where termination_by decreasing_by "
                    "omit include initialize builtin_initialize compile_inductive assert_not_exists library_note "
                    "add_decl_doc register_option register_simp_attr unif_hint binder_predicate instance_priority "
                    "declare_aesop_rule_sets add_aesop_rules recall".split(), "command"),
    **dict.fromkeys("notation notation3 infix infixl infixr prefix postfix macro macro_rules syntax "
                    "declare_syntax_cat".split(), "macro"),
}
# Metaprogramming, effects and escape hatches, as words anywhere in the proof.
META = {
    **dict.fromkeys("elab elab_rules run_tac run_cmd run_elab run_meta by_elab simproc dsimproc simproc_decl "
                    "dsimproc_decl builtin_simproc declare_config_elab declare_simp_like_tactic do return "
                    "implemented_by extern implementedBy dbg_trace dbgTrace dbgTraceVal dbgTraceIfShared dbgSleep "
                    "dbgStackTrace unsafeBaseIO unsafeIO unsafeEIO unsafeCast ptrAddrUnsafe withPtrAddr panic "
                    "panic! panicCore unreachable! assert! s! m! f! throwError throwErrorAt logInfo trace[ "
                    "ofReduceBool reduceBool reduceNat".split(), "metaprogramming"),
    **dict.fromkeys("exact? apply? rw? simp? simp_all? dsimp? simpa? aesop? says library_search "
                    "rw_search polyrith slim_check plausible show_term extract_goal decide? "
                    "norm_num? field_simp? positivity? unfold?".split(), "search placeholder"),
}
# Namespaces whose code is metaprogramming or I/O (first component of an identifier).
FORBIDDEN_ROOTS = frozenset("Lean IO System EIO BaseIO ST EST Std Batteries Mathlib Qq Aesop ProofWidgets Lake Init "
                            "Elab Meta Macro Syntax Parser Tactic".split())
# Options a proof may scope with `set_option … in` (prefixes end in a dot).
OPTIONS = ("maxHeartbeats", "maxRecDepth", "synthInstance.maxHeartbeats", "synthInstance.maxSize", "pp.", "linter.")
# Namespaces a proof may `open … in`.
NAMESPACES = frozenset("Real Nat Int Rat Complex NNReal ENNReal EReal Finset Multiset List Set Function Polynomial "
                       "BigOperators Topology Filter Classical ZMod Fin Matrix Interval intervalIntegral "
                       "MeasureTheory Asymptotics Pointwise".split())
# Named arguments of tactics whose value is a tactic sequence, and those whose value the tactic
# compiles and evaluates (`declare_config_elab`): these may only be structure literals.
TACTIC_ARGUMENTS = frozenset({"disch", "discharger"})
CONFIG_ARGUMENTS = frozenset({"config", "simp_config", "cfg"})
TERM_MATCH = 1_000  # a term-level `match`: every `=>` after it at its level is a term arrow

OPENERS = {"(": ")", "[": "]", "{": "}", "⟨": "⟩", "⦃": "⦄", "‹": "›", "⟦": "⟧", "⌊": "⌋", "⌈": "⌉", "⁅": "⁆",
           "#[": "]", "@[": "]", "[MOD": "]", "[ZMOD": "]", "[PMOD": "]", ".(": ")"}
CLOSERS = {")", "]", "}", "⟩", "⦄", "›", "⟧", "⌋", "⌉", "⁆", "⌋₊", "⌉₊"}
# Symbol tokens that belong to commands, attributes or quotations.
FORBIDDEN_SYMBOLS = {"#": "command", "#[": "command", "@[": "command", "`": "metaprogramming", "@&": "metaprogramming",
                     "⋯": "sorry"}
# Tokens that end in `'`: only these may be followed by what would otherwise open a char literal.
QUOTE_TOKENS = frozenset({"''", "⁻¹'", "∑'", "∏'", "Σ'", "×'"})

# Unicode blocks of mathematical notation (start, end inclusive), besides printable ASCII.
SYMBOL_RANGES = (
    (0x0391, 0x03A9), (0x03B1, 0x03C9), (0x03CA, 0x03FB),  # Greek (λ, Π, Σ included), Coptic letters
    (0x2070, 0x209C),  # superscripts and subscripts
    (0x2100, 0x214F),  # letter-like symbols (ℕ ℤ ℚ ℝ ℂ)
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22EE), (0x22F0, 0x22FF),  # mathematical operators (⋯, an omitted term, is not)
    (0x2300, 0x23FF),  # miscellaneous technical (⌊ ⌋ ⌈ ⌉)
    (0x25A0, 0x25FF),  # geometric shapes (▸)
    (0x27C0, 0x27EF), (0x27F0, 0x27FF),  # ⟨ ⟩ ⟦ ⟧, long arrows
    (0x2900, 0x297F), (0x2980, 0x29FF), (0x2A00, 0x2AFF),  # arrows, brackets ⦃ ⦄, n-ary operators ⨆ ⨅
    (0x1D00, 0x1DBF),  # phonetic extensions: modifier letters ᵀ ᶜ ᵒᵈ, subscripts ᵢ ᵣ ᵥ
    (0x1D400, 0x1D7FF),  # mathematical alphanumerics (𝓝 𝔼 𝕜)
)
SYMBOL_CHARS = frozenset("·¬×÷±¹²³°‖‹›•′″‴⁅⁆∘«»")


def allowed_char(c: str) -> bool:
    o = ord(c)
    if 0x20 <= o < 0x7F or c == "\n":
        return True
    if c in SYMBOL_CHARS:
        return True
    return any(lo <= o <= hi for lo, hi in SYMBOL_RANGES)


def _describe(c: str) -> str:
    return f"character U+{ord(c):04X} ({unicodedata.name(c, 'unnamed')})"


class Rejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Block:
    """A tactic sequence: its column, the bracket depth it lives at, and what its last tactic expects."""

    col: int
    depth: int
    alternatives: bool = False  # `=>` / `|` of the last tactic (case, induction … with) lead to tactics
    first: bool = False  # `first`: `|` leads to a tactic
    if_then: bool = False  # tactic `if`: `then` / `else` lead to tactics
    calc: bool = False  # `calc`: lines starting with `_` are its steps
    term_arrows: int = 0  # `fun` / term-level `match` waiting for their `=>`


def rejection(proof: str, allow_native_decide: bool = False) -> str | None:
    """Why the proof must not be sent to Lean, or None."""
    try:
        _check(proof, allow_native_decide)
    except Rejected as rejected:
        return rejected.reason
    return None


def _check(proof: str, allow_native: bool) -> None:
    try:
        lexed = lex(proof)
    except LexError as err:
        raise Rejected(f"not Lean ({err.message})") from None
    for comment in lexed.comments:
        if comment.glued:
            shown = proof[max(0, comment.start - 2) : comment.start + 2]
            raise Rejected(f"comment glued to the token before it ({shown!r})")
    tokens = lexed.tokens
    for i, tok in enumerate(tokens):
        _check_token(tokens, i, allow_native)
    _check_structure(tokens, allow_native)


def _word_reason(word: str, allow_native: bool) -> str | None:
    if word in SORRY:
        return f"{SORRY[word]} ({word})"
    if word in COMMANDS:
        return f"{COMMANDS[word]} ({word})"
    if word in META:
        return f"{META[word]} ({word})"
    if word in NATIVE and not allow_native:
        return f"native_decide ({word})"
    return None


def _check_token(tokens: list[Token], i: int, allow_native: bool) -> None:
    tok = tokens[i]
    if tok.kind in ("str", "interp", "rawstr"):
        _check_string(tok)
        return
    for c in tok.text:
        if not allowed_char(c):
            raise Rejected(_describe(c))
    if tok.kind == "char":
        raise Rejected(f"character literal ({tok.text})")
    if tok.kind == "name":
        raise Rejected(f"metaprogramming ({tok.text})")
    if tok.kind == "doc":
        raise Rejected("command (doc comment)")
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    glued_next = nxt is not None and not nxt.ws_before
    if tok.kind == "symbol":
        if reason := _word_reason(tok.text, allow_native):  # keyword tokens such as `s!`, `trace[`
            raise Rejected(reason)
        if tok.text in FORBIDDEN_SYMBOLS or tok.text.startswith("#"):
            what = FORBIDDEN_SYMBOLS.get(tok.text, "command")
            shown = tok.text + (nxt.text if glued_next and nxt.kind == "ident" else "")
            raise Rejected(f"{what} ({shown})")
        if tok.text.endswith("'") and tok.text not in QUOTE_TOKENS:
            raise Rejected(f"unknown token ({tok.text})")
        return
    if tok.kind != "ident":
        return
    word = tok.text
    if word == "scoped" and i > 0 and tokens[i - 1].text == "open":
        return
    if word == "native" and i > 0 and tokens[i - 1].text == "+" and not tok.ws_before and not allow_native:
        raise Rejected("native_decide (+native)")  # `decide +native` (Lean 4.12 and later)
    if reason := _word_reason(word, allow_native):
        raise Rejected(reason)
    parts = tok.parts
    if parts[0] in FORBIDDEN_ROOTS:
        raise Rejected(f"metaprogramming ({word})")
    for part in parts:
        if part.startswith(("unsafe", "dbg")) or part in ("sorryAx", "ofReduceBool", "panic", "panicCore"):
            raise Rejected(f"metaprogramming ({word})")
        if "\n" in part or '"' in part:
            raise Rejected(f"identifier ({word!r})")
    if word.endswith("!") and word not in TACTICS:
        raise Rejected(f"unknown keyword ({word})")
    if glued_next and nxt.text == "%":  # `eval%`, `decl_name%`: elaboration-time keywords (`n%2` is a modulo)
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if after is None or after.ws_before or "_" in word or word in ("eval", "run", "elab", "unsafe"):
            raise Rejected(f"unknown keyword ({word}%)")
    if word == "set_option":
        _check_set_option(tokens, i)
    elif word == "open":
        _check_open(tokens, i)
    elif word == "aesop" and nxt is not None and nxt.text == "(":
        raise Rejected("aesop rule clauses (aesop (…))")


def _check_string(tok: Token) -> None:
    if tok.kind == "rawstr":
        raise Rejected(f"raw string literal ({tok.text[:20]})")
    if tok.kind == "interp":
        raise Rejected(f"interpolated string ({tok.text[:20]})")
    body, i = tok.text[1:-1], 0
    while i < len(body):
        c = body[i]
        if c in "{}":
            raise Rejected(f"string with braces ({tok.text[:20]})")
        if unicodedata.category(c) in ("Cc", "Cf") and c != "\n":
            raise Rejected(_describe(c))
        if c == "\\":
            escape = body[i + 1 : i + 2]
            if escape not in ("\\", '"', "'", "n", "t"):
                raise Rejected(f"string escape (\\{escape if escape != chr(10) else 'newline'})")
            i += 1
        i += 1


def _expect(tokens: list[Token], i: int, what: str) -> Token:
    if i >= len(tokens):
        raise Rejected(f"{what} expected at the end")
    return tokens[i]


def _check_set_option(tokens: list[Token], i: int) -> None:
    option = _expect(tokens, i + 1, "option")
    name = option.text if option.kind == "ident" else ""
    if not any(name == o or (o.endswith(".") and name.startswith(o)) for o in OPTIONS):
        raise Rejected(f"set_option ({option.text})")
    value = _expect(tokens, i + 2, "value")
    if not (value.kind == "num" or value.text in ("true", "false")):
        raise Rejected(f"set_option ({option.text} {value.text})")
    if _expect(tokens, i + 3, "in").text != "in":
        raise Rejected(f"set_option ({option.text} {value.text} without `in`)")


def _check_open(tokens: list[Token], i: int) -> None:
    j = i + 1
    if j < len(tokens) and tokens[j].text == "scoped":
        j += 1
    names = 0
    while j < len(tokens) and tokens[j].kind == "ident" and tokens[j].text != "in":
        if tokens[j].text not in NAMESPACES:
            raise Rejected(f"open ({tokens[j].text})")
        names, j = names + 1, j + 1
    if not names or j >= len(tokens) or tokens[j].text != "in":
        raise Rejected("command (open)")


def _config_value(tokens: list[Token], start: int) -> int:
    """Check a `(name := value)` config term; the index of its closing parenthesis."""
    depth, j = 0, start
    while j < len(tokens):
        tok = tokens[j]
        if tok.text in ("(", "{", "[", "⟨"):
            depth += 1
        elif tok.text in (")", "}", "]", "⟩"):
            if depth == 0:
                return j
            depth -= 1
        elif not (tok.kind == "num" or tok.text in (",", ":=", ".", "true", "false")
                  or (tok.kind == "ident" and len(tok.parts) == 1)):
            raise Rejected(f"config term ({tok.text})")
        j += 1
    raise Rejected("config term (unclosed)")


def _check_structure(tokens: list[Token], allow_native: bool) -> None:
    """Find the tactic positions of the proof's tactic blocks; each must hold an allowed tactic.

    Lean's tactic blocks are indentation-sensitive: a block starts at the token after `by` (or `·`,
    `=>` of an alternative, `<;>`, a combinator), and every later line whose first token is at the
    block's column starts a new tactic, unless brackets are open. A line to the left of the
    proof's first token ends the theorem: Lean would read the rest as new commands.
    """
    if not tokens:
        return
    blocks: list[Block] = []
    stack: list[str] = []  # open brackets
    expect, expect_block = True, True  # the next token is a tactic (starting a new block)
    skip_until = -1  # tokens already read (an option, a config term)
    for i, tok in enumerate(tokens):
        if i <= skip_until:
            continue
        depth = len(stack)
        level = [b for b in blocks if b.depth == depth]
        if tok.first_on_line and blocks:
            if tok.col < blocks[0].col:  # Lean ends the theorem here (inside brackets: unusual, refused)
                raise Rejected(f"text outside the proof block (line {tok.line}: {tok.text})")
            while len(level) > (1 if depth == 0 else 0) and level[-1].col > tok.col:
                blocks.remove(level.pop())
            if level and level[-1].col == tok.col and not expect:
                block = level[-1]
                continuation = (tok.text == "|" and (block.alternatives or block.first)) or tok.text == "<;>" or (
                    tok.text == "_" and block.calc) or (tok.text in ("then", "else") and block.if_then)
                if not continuation:
                    expect, expect_block = True, False
        if expect:
            expect = False
            if expect_block or not level:
                blocks.append(Block(tok.col, depth))
                level.append(blocks[-1])
            _tactic_position(tok, level[-1], allow_native)
            if tok.kind == "symbol" and tok.text in ("·", ".", "(", "{"):
                expect, expect_block = True, True
                if tok.text in ("(", "{"):
                    stack.append(tok.text)
            elif tok.text in BLOCK_COMBINATORS:
                expect, expect_block = True, True
                if tok.text == "iterate" and i + 1 < len(tokens) and tokens[i + 1].kind == "num":
                    skip_until = i + 1
            elif tok.text in ("set_option", "open"):
                k = i + 1
                while tokens[k].text != "in":  # checked by _check_set_option / _check_open
                    k += 1
                skip_until, expect, expect_block = k, True, True
            continue
        text = tok.text if tok.kind in ("symbol", "ident") else ""
        if text in OPENERS:
            stack.append(text)
            if text == "(" and i + 2 < len(tokens) and tokens[i + 1].kind == "ident" and tokens[i + 2].text == ":=":
                if tokens[i + 1].text in TACTIC_ARGUMENTS:  # (disch := tactic)
                    skip_until, expect, expect_block = i + 2, True, True
                elif tokens[i + 1].text in CONFIG_ARGUMENTS:  # (config := evaluated term)
                    skip_until = _config_value(tokens, i + 3) - 1
        elif text in CLOSERS:
            if not stack:
                raise Rejected(f"unbalanced brackets ({tok.text})")
            stack.pop()
            blocks[:] = [b for b in blocks if b.depth <= len(stack)]
        elif text == "by":
            expect, expect_block = True, True
        elif text in ("<;>", ";") and level:  # (`;` also separates rows of `!![a, b; c, d]`)
            expect, expect_block = True, text == "<;>"
        elif text in ("fun", "λ"):
            if level:
                level[-1].term_arrows += 1
        elif text == "match":
            if level:
                level[-1].term_arrows += TERM_MATCH
        elif text in ("=>", "↦"):
            owner = next((b for b in reversed(level) if b.term_arrows), None)
            if owner is not None:
                if owner.term_arrows < TERM_MATCH:
                    owner.term_arrows -= 1
            elif text == "=>" and any(b.alternatives for b in level):
                expect, expect_block = True, True
        elif text == "|":
            if any(b.first for b in level):
                expect, expect_block = True, True
        elif text in ("then", "else"):
            if any(b.if_then for b in level):
                expect, expect_block = True, True
    if stack:
        raise Rejected(f"unbalanced brackets ({stack[-1]})")


def _tactic_position(tok: Token, block: Block, allow_native: bool) -> None:
    """`tok` starts a tactic in `block`: it must be an allowed tactic."""
    block.alternatives = block.first = block.if_then = block.calc = False
    block.term_arrows = 0
    word = tok.text
    if tok.kind == "symbol" and word in ("·", ".", "(", "{"):
        return
    if tok.kind != "ident":
        raise Rejected(f"tactic not allowed ({word})")
    if word in TACTICS or (allow_native and word in NATIVE) or word in ("set_option", "open", "if"):
        block.alternatives = word in ALTERNATIVES
        block.first = word == "first"
        block.if_then = word == "if"
        block.calc = word == "calc"
        return
    raise Rejected(f"tactic not allowed ({word})")
