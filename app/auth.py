"""Who is looking: the sidebar login, the session's role and its expiry, and the check each page makes."""

from __future__ import annotations

import time

import streamlit as st

from etl import settings, users

PUBLIC, ANALYST, OPERATOR = "publik", "analis", "operator"
STAFF = (ANALYST, OPERATOR)
ABSOLUTE_SECONDS = 8 * 3600     # a session ends after a working day even if used all the time
IDLE_SECONDS = 3600             # and after an hour without any interaction
SESSION_KEY = "ppa_auth"


def public_mode() -> bool:
    """Whether this server only serves the public extract (``PPA_PUBLIC=1``): no login at all."""
    return settings.flag("public")


def current_role(now: float | None = None) -> str:
    """'publik', 'analis' or 'operator' for this browser session; an expired session falls back to publik."""
    if public_mode():
        return PUBLIC
    session = st.session_state.get(SESSION_KEY)
    if not session:
        return PUBLIC
    now = time.time() if now is None else now
    if now - session["since"] > ABSOLUTE_SECONDS or now - session["seen"] > IDLE_SECONDS:
        st.session_state.pop(SESSION_KEY, None)
        st.session_state["ppa_auth_message"] = "Sesi berakhir; silakan masuk lagi."
        return PUBLIC
    session["seen"] = now
    return session["role"]


def current_user() -> str | None:
    """The signed-in name, or None for publik."""
    session = st.session_state.get(SESSION_KEY)
    return session["name"] if session and not public_mode() else None


def session_record(name: str, role: str, now: float | None = None) -> dict:
    """What a signed-in session holds (tests put it into AppTest's session_state to act as staff)."""
    now = time.time() if now is None else now
    return {"name": name, "role": role, "since": now, "seen": now}


def client_address() -> str:
    """Where this session's browser connects from: the TCP peer's address (``st.context.ip_address``, which a
    visitor cannot forge with a header), or "lokal" on this machine. Failed logins are counted per address."""
    try:
        address = st.context.ip_address
    except Exception:  # no browser connection (a script)
        address = None
    # AppTest answers with a stand-in object, a local browser with None
    return address if isinstance(address, str) and address else users.LOCAL_CLIENT


def sign_in(name: str, password: str) -> str | None:
    """Check the credentials; on success remember the role in the session and return None, else the error text."""
    try:
        role = users.authenticate(name, password, users.users_path(), client=client_address())
    except (users.LoginRefused, users.AccountLocked, users.AccountError) as exc:
        return str(exc)
    st.session_state[SESSION_KEY] = session_record(name.strip().lower(), role)
    return None


def sign_out() -> None:
    """Forget the signed-in user."""
    st.session_state.pop(SESSION_KEY, None)


def _submit_login() -> None:
    # a callback runs before the script reruns, so the result survives any st.rerun() in the page frame
    error = sign_in(st.session_state.get("login_name", ""), st.session_state.get("login_password", ""))
    st.session_state["login_password"] = ""
    if error:
        st.session_state["ppa_auth_error"] = error


def sidebar_login() -> str:
    """Draw the login form (or the signed-in user and "Keluar") in the sidebar and return the current role."""
    role = current_role()
    if public_mode():
        return role
    message = st.session_state.pop("ppa_auth_message", None)
    error = st.session_state.pop("ppa_auth_error", None)
    if role == PUBLIC:
        with st.sidebar.form("login"):
            st.markdown("**Masuk staf**")
            st.text_input("Nama pengguna", key="login_name")
            st.text_input("Kata sandi", type="password", key="login_password")
            st.form_submit_button("Masuk", on_click=_submit_login)
        if message:
            st.sidebar.info(message)
        if error:
            st.sidebar.error(error)
    else:
        st.sidebar.markdown(f"Masuk sebagai **{current_user()}** ({role})")
        st.sidebar.button("Keluar", on_click=sign_out)
    return role


def require_role(*roles: str) -> str:
    """Stop the page with an Indonesian sentence unless the current role is one of ``roles``."""
    role = current_role()
    if role not in roles:
        if role == PUBLIC:
            st.warning("Halaman ini hanya untuk staf dinas. Silakan masuk dengan akun Anda di panel samping.")
        else:
            st.warning("Akun Anda tidak berhak membuka halaman ini.")
        st.stop()
    return role
