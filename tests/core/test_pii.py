# SPDX-License-Identifier: EUPL-1.2
"""core/pii.py: look-up hashes, sealed values with key ids and rotation, masking."""

from __future__ import annotations

import base64
import hashlib
import logging

import pytest

from core.pii import (
    MaskingFilter,
    PiiError,
    PiiVault,
    mask_identifiers,
    new_key,
    parse_hash_key,
    parse_keys,
    scrub_personal_codes,
)

CODE = "161175-19997"


def vault(keys: str, hash_key: str | None = None) -> PiiVault:
    return PiiVault(parse_hash_key(hash_key or HASH_KEY), parse_keys(keys))


def _key(seed: str) -> str:
    # fixed test keys: parametrized ids must be the same in every xdist worker
    return base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()).decode()


HASH_KEY = _key("hash")
K1 = f"k1:{_key('one')}"
K2 = f"k2:{_key('two')}"


def test_lookup_hash_is_stable_keyed_and_ignores_the_hyphen() -> None:
    v = vault(K1)
    assert v.lookup_hash(CODE) == v.lookup_hash("16117519997")
    assert v.lookup_hash(CODE) == vault(K2).lookup_hash(f" {CODE} ")  # same hash key
    assert v.lookup_hash(CODE) != v.lookup_hash("161175-19998")
    assert v.lookup_hash(CODE) != vault(K1, new_key()).lookup_hash(CODE)
    assert CODE not in v.lookup_hash(CODE) and len(v.lookup_hash(CODE)) == 64


def test_pseudonyms_differ_per_data_set_and_from_lookup_hashes() -> None:
    v = vault(K1)
    a, b = v.pseudonym(CODE, "cases-2026"), v.pseudonym(CODE, "dogs-2026")
    assert a != b and a == v.pseudonym("16117519997", "cases-2026")
    assert not v.lookup_hash(CODE).startswith(a)


def test_sealed_values_open_only_with_their_key_and_context() -> None:
    v = vault(K1)
    token = v.encrypt(CODE, "service_cases.client_identifier")
    assert token.startswith("pii1:k1:") and CODE not in token
    assert token != v.encrypt(CODE, "service_cases.client_identifier")  # fresh nonce
    assert v.decrypt(token, "service_cases.client_identifier") == CODE
    with pytest.raises(PiiError, match="does not open"):
        v.decrypt(token, "process_instances.state")  # moved to another column
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(PiiError, match="does not open"):
        v.decrypt(tampered, "service_cases.client_identifier")


def test_rotation_newest_key_encrypts_every_key_decrypts() -> None:
    old = vault(K1)
    token = old.encrypt(CODE, "c")
    both = vault(f"{K2},{K1}")
    assert both.current_key_id == "k2"
    assert both.decrypt(token, "c") == CODE and both.needs_rotation(token)
    rotated = both.rotate(token, "c")
    assert rotated.startswith("pii1:k2:") and not both.needs_rotation(rotated)
    only_new = vault(K2)
    assert only_new.decrypt(rotated, "c") == CODE
    with pytest.raises(PiiError, match="no key 'k1'"):
        only_new.decrypt(token, "c")
    assert both.needs_rotation("plain text") and both.rotate("plain", "c") != "plain"


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ("k1", "must be id:base64key"),
        ("bad id:AAAA", "must be id:base64key"),
        (f"{K1},{K1}", "appears twice"),
        ("k1:QUFB", "needs 32 bytes, got 3"),
    ],
)
def test_malformed_key_lists_name_the_reason(keys: str, reason: str) -> None:
    with pytest.raises(PiiError, match=reason):
        parse_keys(keys)


def test_development_keys_are_fixed_and_flagged() -> None:
    a = PiiVault.from_config("", "", env="development", warn=False)
    b = PiiVault.from_config("", "", env="test", warn=False)
    assert a.uses_dev_keys and a.lookup_hash(CODE) == b.lookup_hash(CODE)
    assert b.decrypt(a.encrypt(CODE, "c"), "c") == CODE
    with pytest.raises(PiiError, match="production needs both"):
        PiiVault.from_config(HASH_KEY, "", env="production")
    real = PiiVault.from_config(HASH_KEY, K1, env="production")
    assert not real.uses_dev_keys


def test_masking_of_texts_json_and_log_records() -> None:
    text = "invalid literal for int() with base 10: '161175-19997' (40003521600)"
    assert mask_identifiers(text) == (
        "invalid literal for int() with base 10: '16****-****7' (40****-****0)"
    )
    assert (
        mask_identifiers("case DEMO-2026-000042, 123") == "case DEMO-2026-000042, 123"
    )
    scrubbed = scrub_personal_codes(
        {
            "recipient": "_PRIVATE@16117519997",
            "ids": [16117519997, 42, True, None, 1.5],
            "161175-19997": {"nested": CODE},
        }
    )
    assert CODE not in str(scrubbed) and "16117519997" not in str(scrubbed)
    assert scrubbed["ids"][1:] == [42, True, None, 1.5]

    record = logging.LogRecord("x", logging.INFO, "f", 1, "owner %s", (CODE,), None)
    assert MaskingFilter().filter(record) and record.getMessage() == (
        "owner 16****-****7"
    )


def test_the_platform_masks_every_log_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from core.pii import install_log_masking

    install_log_masking()
    install_log_masking()  # idempotent
    with caplog.at_level(logging.INFO, logger="any.room"):
        logging.getLogger("any.room").info("applicant %s refused", "16117519997")
    assert "16****-****7" in caplog.text and "16117519997" not in caplog.text


def test_identifiers_are_found_in_call_parameters() -> None:
    from core.pii import find_identifiers

    params = {
        "z": "kods 161175-19997",
        "a": ["_PRIVATE@16117519997", 40003521600, True],
        "n": 123456789012,  # 12 digits: not a code
    }
    assert find_identifiers(params) == ["16117519997", "40003521600"]
    assert find_identifiers({"amount": 80}) == []
