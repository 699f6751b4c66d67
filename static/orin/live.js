/* ORIN live feed: one websocket per console page.
 *
 * Reconnects by itself (backoff up to 15 s) and, after a reconnect, asks the server for what it
 * missed since the last server time it heard ("catch_up"); a page gone for longer than the
 * server's window reloads. Pushes are re-dispatched as DOM events on `document`:
 *   orin:alert   {detail: alert card}          new or changed alert
 *   orin:events  {detail: {events, total}}     a batch of new events at one site
 *   orin:catchup {detail: {alerts, events}}    what was missed while disconnected, or a burst
 *                                               too big to push card by card ({more: n}): reload
 *   orin:status  {detail: "live" | "reconnecting" | "closed"}
 * Critical alerts beep when the operator switched sound on (kept in localStorage).
 */
(function () {
  "use strict";

  const PING_MS = 20000;
  const MAX_BACKOFF_MS = 15000;
  const SOUND_KEY = "orin.sound";

  const live = {
    socket: null,
    lastServerTime: null,
    backoff: 1000,
    connected: false,
    seenAlerts: new Map(), // alert id -> status, so repeated pushes of the same state do not beep twice
  };
  window.OrinLive = live;

  function emit(name, detail) {
    document.dispatchEvent(new CustomEvent(name, { detail }));
  }

  function setStatus(state, label) {
    const el = document.getElementById("orin-live");
    if (el) {
      el.dataset.state = state;
      el.querySelector(".label").textContent = label;
    }
    emit("orin:status", state);
  }

  // --- sound --------------------------------------------------------------------------------
  let audio = null;
  function soundOn() {
    return localStorage.getItem(SOUND_KEY) === "on";
  }
  function renderSoundButton() {
    const button = document.getElementById("orin-sound");
    if (!button) return;
    const on = soundOn();
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "♪ Sound on" : "♪ Sound off";
  }
  function beep() {
    if (!soundOn()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const now = audio.currentTime;
      [0, 0.22].forEach((offset) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = "square";
        osc.frequency.value = 880;
        gain.gain.setValueAtTime(0.0001, now + offset);
        gain.gain.exponentialRampToValueAtTime(0.2, now + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.18);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + offset);
        osc.stop(now + offset + 0.2);
      });
    } catch (err) {
      /* no audio device: the red card still stands out */
    }
  }
  live.beep = beep;

  // --- messages -----------------------------------------------------------------------------
  function onAlert(alert) {
    const before = live.seenAlerts.get(alert.id);
    live.seenAlerts.set(alert.id, alert.status);
    if (alert.severity === "critical" && alert.change === "created" && before === undefined) beep();
    emit("orin:alert", alert);
  }

  function onMessage(event) {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch (err) {
      return;
    }
    if (msg.server_time) live.lastServerTime = msg.server_time;
    if (msg.type === "hello") {
      const missed = live.resumeFrom;
      live.resumeFrom = null;
      if (missed) live.socket.send(JSON.stringify({ type: "catch_up", since: missed }));
      return;
    }
    if (msg.type === "catch_up") {
      if (msg.reload) {
        window.location.reload();
        return;
      }
      (msg.alerts || []).forEach((a) => live.seenAlerts.set(a.id, a.status));
      emit("orin:catchup", msg);
      return;
    }
    if (msg.kind === "alert" && msg.more) emit("orin:catchup", { alerts: [], events: [], more: msg.more });
    else if (msg.kind === "alert") onAlert(msg);
    else if (msg.kind === "event") emit("orin:events", msg);
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}/ws/console/`);
    live.socket = socket;
    socket.addEventListener("open", () => {
      live.connected = true;
      live.backoff = 1000;
      setStatus("live", "Live");
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", (event) => {
      live.connected = false;
      if (event.code === 4401 || event.code === 4403) {
        setStatus("closed", "Not signed in");
        return;
      }
      // Ask for what we miss from the last moment the server spoke to us.
      if (live.lastServerTime) live.resumeFrom = live.lastServerTime;
      setStatus("reconnecting", "Reconnecting…");
      setTimeout(connect, live.backoff);
      live.backoff = Math.min(live.backoff * 2, MAX_BACKOFF_MS);
    });
  }

  setInterval(() => {
    if (live.connected && live.socket.readyState === WebSocket.OPEN) {
      live.socket.send(JSON.stringify({ type: "ping" }));
    }
  }, PING_MS);

  document.addEventListener("DOMContentLoaded", () => {
    renderSoundButton();
    const button = document.getElementById("orin-sound");
    if (button) {
      button.addEventListener("click", () => {
        localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on");
        renderSoundButton();
        if (soundOn()) beep();
      });
    }
    if (document.getElementById("orin-live")) connect();
  });
})();
