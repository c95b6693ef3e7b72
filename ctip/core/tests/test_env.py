"""The environment reader: what a deployment sets is what the settings get."""

import pytest

from ctip.settings.env import read_environment


def test_mail_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CTIP_EMAIL_HOST", "smtp.example.org")
    monkeypatch.setenv("CTIP_EMAIL_PORT", "2525")
    monkeypatch.setenv("CTIP_EMAIL_USER", "ctip")
    monkeypatch.setenv("CTIP_EMAIL_PASSWORD", "s3cret")
    monkeypatch.setenv("CTIP_EMAIL_TLS", "0")
    monkeypatch.setenv("CTIP_EMAIL_FROM", "reminders@example.org")
    env = read_environment()
    assert (env.email_host, env.email_port, env.email_user) == ("smtp.example.org", 2525, "ctip")
    assert (env.email_password, env.email_use_tls) == ("s3cret", False)
    assert env.email_from == "reminders@example.org"


def test_mail_is_off_by_default(monkeypatch):
    for name in ("CTIP_EMAIL_HOST", "CTIP_EMAIL_PORT", "CTIP_EMAIL_TLS", "CTIP_EMAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    env = read_environment()
    assert (env.email_host, env.email_port, env.email_use_tls) == ("", 587, True)


def test_a_port_that_is_not_a_number_is_refused(monkeypatch):
    monkeypatch.setenv("CTIP_EMAIL_PORT", "smtp")
    with pytest.raises(ValueError, match="CTIP_EMAIL_PORT must be a port number, not 'smtp'"):
        read_environment()


def test_postgresql_connections_turn_jit_off_unless_the_url_says_otherwise(tmp_path):
    from ctip.settings.base import database_config

    config = database_config("postgresql://ctip@db:5432/ctip", tmp_path)
    assert config["OPTIONS"]["options"] == "-c jit=off"
    own = database_config("postgresql://ctip@db:5432/ctip?options=-c%20work_mem%3D64MB", tmp_path)
    assert own["OPTIONS"]["options"] == "-c work_mem=64MB"
    assert "options" not in database_config("", tmp_path)["OPTIONS"]
