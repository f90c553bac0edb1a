"""owa_mailbox_policy against the lab: set, unchanged, check mode and diff, a backup on the server before the change,
and refusals that change nothing."""

from __future__ import annotations

from pathlib import Path

from conftest import ROOT, Lab, lab_vars

PLAYBOOKS = ROOT / "playbooks"
POLICY_BACKUPS = "C:\\ProgramData\\exchange.owa_im\\mailbox-policy-backups\\"


def _policy(lab: Lab, name: str) -> dict:
    return next(p for p in lab.directory()["owa_mailbox_policies"] if p["name"] == name)


def _once(task: dict) -> dict:
    """The policy is organisation-wide: one server does it."""
    return dict(task, run_once=True)


def test_a_policy_is_set_once_then_left_alone(pool: Lab, tmp_path: Path) -> None:
    pool.seed(tmp_path, {"owa_mailbox_policies": [{"name": "Contractors", "InstantMessagingEnabled": False, "InstantMessagingType": "None"}]})
    task = _once({"exchange.owa_im.owa_mailbox_policy": {"name": "Contractors", "instant_messaging_enabled": True,
                                                          "instant_messaging_type": "ocs"}})
    check = pool.play(tmp_path, task, "--check", "--diff")
    assert check.returncode == 0, check.stdout[-3000:]
    previewed = pool.result(tmp_path, "cas01.contoso.lab")
    assert previewed["changed"] is True and previewed["after"] == {"instant_messaging_enabled": True, "instant_messaging_type": "Ocs"}
    assert "instant_messaging_enabled" in check.stdout    # the diff
    assert _policy(pool, "Contractors")["InstantMessagingEnabled"] is False
    assert [e for e in pool.log() if e["event"] == "ad-change"] == []

    first = pool.play(tmp_path, task)
    assert first.returncode == 0, first.stdout[-3000:]
    result = pool.result(tmp_path, "cas01.contoso.lab")
    assert result["changed"] is True
    assert result["before"] == {"instant_messaging_enabled": False, "instant_messaging_type": "None"}
    assert result["set_parameters"] == {"InstantMessagingEnabled": True, "InstantMessagingType": "Ocs"}
    assert _policy(pool, "Contractors")["InstantMessagingEnabled"] is True
    assert _policy(pool, "Contractors")["InstantMessagingType"] == "Ocs"
    # The replaced values were on the server's disk before the change, in their own folder (rollback's is untouched).
    backup = result["server_backup_file"]
    assert backup.startswith(POLICY_BACKUPS) and backup.endswith(".owaim")
    files = pool.host("CAS01")["files"]
    assert backup in files
    assert not any(path.lower().startswith("c:\\programdata\\exchange.owa_im\\backups\\") for path in files)
    events = pool.log()
    written = next(i for i, e in enumerate(events) if e["event"] == "file-write" and e.get("path") == backup)
    changes = [i for i, e in enumerate(events) if e["event"] == "ad-change"]
    assert len(changes) == 1 and events[changes[0]]["object"] == "Contractors" and written < changes[0]

    again = pool.play(tmp_path, task)
    assert again.returncode == 0
    assert pool.result(tmp_path, "cas01.contoso.lab")["changed"] is False
    assert len([e for e in pool.log() if e["event"] == "ad-change"]) == 1


def test_an_unknown_policy_names_those_there_are_and_changes_nothing(lab: Lab, tmp_path: Path) -> None:
    run = lab.play(tmp_path, _once({"exchange.owa_im.owa_mailbox_policy": {"name": "Defualt", "instant_messaging_enabled": True}}))
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert "no OWA mailbox policy is named Defualt (name); nothing was changed. The organisation has: Default" in said, said[-2000:]
    assert [e for e in lab.log() if e["event"] == "ad-change"] == []


def test_bad_input_is_refused_before_the_server(lab: Lab, tmp_path: Path) -> None:
    before = len(lab.log())
    for options, said in [
        ({"name": "Default"}, "set instant_messaging_enabled, instant_messaging_type or both"),
        ({"name": "Def*", "instant_messaging_enabled": True}, "holds a wildcard character"),
        ({"name": "Default ", "instant_messaging_enabled": True}, "has whitespace at its start or end"),
        ({"name": "Default", "instant_messaging_type": "lync"}, "instant_messaging_type must be one of none, ocs or msn"),
    ]:
        run = lab.play(tmp_path, _once({"exchange.owa_im.owa_mailbox_policy": options}))
        assert run.returncode != 0 and said in " ".join(run.stdout.split()), (options, run.stdout[-1500:])
        assert "Nothing was sent to the server" in " ".join(run.stdout.split())
    assert len(lab.log()) == before


def test_site_sets_the_policies_once_for_the_organisation(pool: Lab, tmp_path: Path) -> None:
    pool.seed(tmp_path, {"owa_mailbox_policies": [{"name": "Contractors", "InstantMessagingEnabled": False}]})
    policies = [{"name": "Contractors", "instant_messaging_enabled": True, "instant_messaging_type": "ocs"}]
    first = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_mailbox_policies=policies))
    assert first.returncode == 0, first.stdout[-3000:]
    assert _policy(pool, "Contractors")["InstantMessagingEnabled"] is True
    policy_changes = [e for e in pool.log() if e["event"] == "ad-change" and e.get("object") == "Contractors"]
    assert len(policy_changes) == 1     # one server, once: the policy is the organisation's
    second = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_mailbox_policies=policies))
    assert second.returncode == 0, second.stdout[-3000:]
    assert "changed=0" in second.stdout.split("PLAY RECAP")[-1]
    assert len([e for e in pool.log() if e["event"] == "ad-change" and e.get("object") == "Contractors"]) == 1


def test_a_mistyped_policy_option_is_named(pool: Lab, tmp_path: Path) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(
        tmp_path, owa_im_mailbox_policies=[{"name": "Default", "instant_messaging_enable": True}]))
    assert run.returncode != 0
    said = " ".join(run.stdout.split())
    assert "instant_messaging_enable" in said and "owa_im_mailbox_policies" in said, said[-2000:]
    assert [e for e in pool.log() if e["event"] == "ad-change"] == []
