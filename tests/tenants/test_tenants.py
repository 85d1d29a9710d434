"""Per-client configuration files."""
from __future__ import annotations

from callqa.tenants import list_tenants, load_tenant


def test_bundled_tenants_have_brands_call_types_and_vocabulary():
    assert {"vinparts", "autodealer-kzn", "telecom-tv", "avtopodbor", "retail-hotline"} <= set(
        list_tenants())
    t = load_tenant("vinparts")
    assert t.known and "ВинПартс" in t.brand_names
    assert "parts_selection" in t.call_types and t.vocabulary


def test_unknown_tenant_is_an_empty_profile_not_an_error():
    t = load_tenant("no-such-client")
    assert not t.known and t.brand_names == []


def test_a_tenants_dir_overrides_the_bundled_file(tmp_path):
    (tmp_path / "vinparts.yaml").write_text(
        "display_name: Тест\nbrand_names: [Тестпартс]\n", encoding="utf-8")
    t = load_tenant("vinparts", tmp_path)
    assert t.display_name == "Тест" and t.brand_names == ["Тестпартс"]
