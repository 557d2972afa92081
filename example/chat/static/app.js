"use strict";

// The chat page: one socket.io-client socket on namespace /chat.
(() => {
  const $ = (sel) => document.querySelector(sel);
  const DEFAULT_ROOMS = ["lobby", "random", "gophers"];
  const MAX_IMAGE = 2 << 20;

  // The tab's session, kept across reloads: the nickname, the room shown,
  // the rooms listed, and a random token by which the server knows this
  // tab's user (and gives it its nickname back after a reload).
  const saved = (() => {
    try {
      return JSON.parse(sessionStorage.getItem("gosio-chat") || "{}");
    } catch {
      return {};
    }
  })();
  const token =
    typeof saved.token === "string" && saved.token.length >= 16
      ? saved.token
      : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

  const state = {
    nick: "",
    user: "", // this tab's user id, from the server's answer to "join"
    room: "lobby",
    rooms: [...DEFAULT_ROOMS],
    seen: new Set(), // ids of the messages shown
    typers: new Map(), // socket id -> {nick, timer}
  };
  let socket = null;

  function save() {
    try {
      sessionStorage.setItem("gosio-chat", JSON.stringify({ token, nick: state.nick, room: state.room, rooms: state.rooms }));
    } catch {}
  }

  const uid = () => Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  const time = (ts) => new Date(ts).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function showError(msg) {
    const e = $("#error");
    e.textContent = msg || "";
    clearTimeout(showError.timer);
    if (msg) showError.timer = setTimeout(() => (e.textContent = ""), 5000);
  }

  function setStatus(kind, text) {
    const s = $("#status");
    s.className = "status " + kind;
    s.textContent = text;
  }

  // ---- login ----

  $("#login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const nick = $("#nick").value.trim();
    if (!nick) {
      $("#login-error").textContent = "Pick a nickname: spaces alone are not one.";
      return;
    }
    $("#login-error").textContent = "";
    start(nick);
  });

  const loaded = typeof io !== "undefined";
  if (!loaded) {
    $("#login-error").textContent =
      "The Socket.IO client did not load: run `npm ci` in the repository (it installs socket.io-client), then restart the chat.";
  }

  function start(nick) {
    state.nick = nick;
    if (socket) socket.disconnect();
    socket = io("/chat", {
      // A function, so that a reconnection that cannot be recovered joins
      // the room shown now. The client adds its recovery ids to it.
      auth: (cb) => cb({ nick: state.nick, room: state.room, token }),
    });
    window.chatSocket = socket; // for the browser test and the console
    socket.on("connect", onConnect);
    socket.on("connect_error", (err) => {
      if (!socket.active) {
        // Refused by the server (bad or taken nickname): back to the
        // login form.
        socket.disconnect();
        $("#app").hidden = true;
        $("#login").hidden = false;
        $("#nick").value = state.nick;
        $("#login-error").textContent = err.message;
      } else {
        setStatus("reconnecting", "reconnecting…");
      }
    });
    socket.on("disconnect", (reason) => {
      setStatus(socket.active ? "reconnecting" : "offline", socket.active ? "reconnecting…" : "offline");
      clearTypers();
      console.log("disconnected:", reason);
    });
    socket.on("chat_message", (m) => {
      if (m.room === state.room) addMessage(m);
    });
    socket.on("members", (m) => {
      if (m.room === state.room) renderMembers(m.members);
    });
    socket.on("typing", onTyping);
  }

  function onConnect() {
    $("#login").hidden = true;
    $("#app").hidden = false;
    $("#me").textContent = state.nick;
    save();
    setStatus("online", socket.recovered ? "online (recovered)" : "online");
    $("#text").focus();
    // Ask for the room's members (which lists this client again for the
    // others) and what was said since the last message shown; a recovered
    // socket is in its room already and gets what it missed by itself.
    join(state.room, false, !socket.recovered);
  }

  // lastTS is the server time of the latest message shown.
  function lastTS() {
    let ts = 0;
    for (const li of document.querySelectorAll("#messages > li:not(.pending):not(.failed)")) ts = Math.max(ts, Number(li.dataset.ts));
    return ts;
  }

  // ---- rooms ----

  function renderRooms() {
    const ul = $("#rooms");
    ul.replaceChildren();
    for (const r of state.rooms) {
      const li = el("li");
      const b = el("button", r === state.room ? "room current" : "room", "#" + r);
      b.type = "button";
      b.dataset.room = r;
      b.addEventListener("click", () => join(r, true, true));
      li.append(b);
      ul.append(li);
    }
    $("#room-title").textContent = "#" + state.room;
    $("#text").placeholder = "Message #" + state.room;
  }

  function join(room, switching, history) {
    room = room.trim().toLowerCase();
    if (!room) return;
    if (switching) {
      if (room === state.room) return;
      state.room = room;
      state.seen.clear();
      $("#messages").replaceChildren();
      $("#members").replaceChildren();
      clearTypers();
    }
    if (!state.rooms.includes(room)) state.rooms.push(room);
    renderRooms();
    save();
    socket.emit("join", { room, since: switching ? 0 : lastTS(), history }, (ack) => {
      if (ack.error) {
        showError(ack.error);
        return;
      }
      if (ack.room !== state.room) return;
      state.user = ack.user;
      for (const li of document.querySelectorAll("#messages > li[data-user]")) {
        li.classList.toggle("mine", li.dataset.user === state.user);
      }
      for (const m of ack.history || []) addMessage(m);
      renderMembers(ack.members || []);
    });
  }

  $("#room-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const room = $("#room-input").value;
    $("#room-input").value = "";
    if (!/^[a-z0-9_-]{1,32}$/i.test(room.trim())) {
      showError("Room names are 1 to 32 letters, digits, '-' or '_'.");
      return;
    }
    join(room, true, true);
  });

  function renderMembers(members) {
    const ul = $("#members");
    ul.replaceChildren();
    for (const m of members) {
      const li = el("li", m.id === socket.id ? "member me" : "member", m.nick);
      li.title = m.nick;
      li.dataset.id = m.id;
      ul.append(li);
    }
    $("#member-count").textContent = "(" + members.length + ")";
  }

  // ---- messages ----

  // addMessage shows a message once, in time order.
  function addMessage(m) {
    if (state.seen.has(m.id)) return;
    state.seen.add(m.id);
    const li = render(m);
    const list = $("#messages");
    const stick = m.pending || list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    let after = list.lastElementChild;
    while (after && Number(after.dataset.ts) > m.ts) after = after.previousElementSibling;
    if (after) after.after(li);
    else list.prepend(li);
    if (stick) {
      const bottom = () => (list.scrollTop = list.scrollHeight);
      bottom();
      const img = li.querySelector("img");
      if (img) img.addEventListener("load", bottom, { once: true });
    }
    return li;
  }

  function render(m) {
    // Own messages are told by the user id, never by the nickname.
    const mine = m.kind !== "notice" && (m.pending || (!!m.user && m.user === state.user));
    const li = el("li", "msg " + m.kind + (mine ? " mine" : "") + (m.pending ? " pending" : ""));
    li.dataset.id = m.id;
    li.dataset.ts = m.ts;
    if (m.user) li.dataset.user = m.user;
    if (m.kind === "notice") {
      li.textContent = m.text;
      return li;
    }
    const meta = el("div", "meta");
    meta.append(el("span", "from", m.from), el("time", "", time(m.ts)));
    li.append(meta);
    if (m.kind === "image") {
      li.dataset.name = m.name || "image";
      const url = m.url || URL.createObjectURL(new Blob([m.data], { type: m.type }));
      const a = el("a");
      a.href = url;
      a.target = "_blank";
      const img = el("img");
      img.src = url;
      img.alt = m.name || "image";
      a.append(img);
      li.append(a);
    } else {
      li.append(el("div", "text", m.text));
    }
    if (mine) {
      const tick = el("span");
      setTick(tick, m.pending ? "pending" : "sent");
      meta.append(tick);
    }
    return li;
  }

  // Ticks are inline SVG icons: they need no emoji font.
  const ICONS = {
    pending: ["sending", "M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 0 0 0-13zM8 4v4.3l2.8 1.7"],
    sent: ["delivered to the server", "M2.5 8.5l3.5 3.5l7.5-8"],
    failed: ["not sent", "M8 2v7.5M8 12v1.5"],
  };
  function setTick(tick, kind, title) {
    tick.className = "tick " + kind;
    tick.title = title || ICONS[kind][0];
    tick.setAttribute("aria-label", tick.title);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[kind][1]);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "1.8");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    svg.append(path);
    tick.replaceChildren(svg);
  }

  // acked shows the server's answer to an own message: the delivery tick,
  // or the error with Retry and Dismiss buttons. A refused image leaves
  // the timeline's picture (which may not be an image at all): its name
  // stays, with the error.
  function acked(li, ack, resend) {
    const tick = li.querySelector(".tick");
    li.classList.remove("pending", "failed");
    li.querySelector(".failure")?.remove();
    if (!ack.error) {
      setTick(tick, "sent");
      if (ack.ts) li.dataset.ts = ack.ts;
      return;
    }
    li.classList.add("failed");
    setTick(tick, "failed", ack.error);
    const pic = li.querySelector("a");
    pic?.remove();
    const bar = el("div", "failure");
    bar.append(el("span", "reason", (li.dataset.name ? li.dataset.name + ": " : "") + "not sent: " + ack.error));
    const retry = el("button", "retry", "Retry");
    retry.type = "button";
    retry.addEventListener("click", () => {
      bar.remove();
      if (pic) li.append(pic);
      li.classList.remove("failed");
      li.classList.add("pending");
      setTick(tick, "pending");
      resend();
    });
    const dismiss = el("button", "dismiss", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => {
      state.seen.delete(li.dataset.id);
      li.remove();
    });
    bar.append(retry, dismiss);
    li.append(bar);
    showError(ack.error);
  }

  $("#composer").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = $("#text").value.trim();
    if (!text || !socket) return;
    $("#text").value = "";
    stopTyping();
    const id = uid();
    const li = addMessage({ id, room: state.room, kind: "text", from: state.nick, user: state.user, text, ts: Date.now(), pending: true });
    // Emitted while disconnected, it waits in the client's buffer and goes
    // out on reconnection; the tick shows when the server has it.
    const send = () => socket.emit("chat_message", { id, text }, (ack) => acked(li, ack, send));
    send();
  });

  $("#file").addEventListener("change", async (ev) => {
    const file = ev.target.files[0];
    ev.target.value = "";
    if (!file || !socket) return;
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type) || file.size > MAX_IMAGE) {
      showError("Images are PNG, JPEG, GIF or WebP files of at most 2 MiB.");
      return;
    }
    const id = uid();
    const url = URL.createObjectURL(file);
    const li = addMessage({ id, room: state.room, kind: "image", from: state.nick, user: state.user, name: file.name, url, ts: Date.now(), pending: true });
    // An ArrayBuffer argument travels as a binary attachment.
    const data = await file.arrayBuffer();
    const send = () => socket.emit("image", { id, name: file.name, data }, (ack) => acked(li, ack, send));
    send();
  });

  // ---- typing indicator ----

  // "typing" is volatile: it may be dropped on a busy connection, so it is
  // sent again every 1.5 s while the user keeps typing, and the others
  // forget a typist they have not heard from for 4 s.
  let typingTimer = null;
  let typingSent = 0;
  function stopTyping() {
    if (typingTimer === null) return;
    clearTimeout(typingTimer);
    typingTimer = null;
    typingSent = 0;
    socket.volatile.emit("typing", false);
  }
  $("#text").addEventListener("input", () => {
    if (!socket) return;
    if (Date.now() - typingSent > 1500) {
      socket.volatile.emit("typing", true);
      typingSent = Date.now();
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 2500);
  });

  function onTyping(t) {
    if (t.room !== state.room) return;
    const old = state.typers.get(t.id);
    if (old) clearTimeout(old.timer);
    if (t.typing) {
      const timer = setTimeout(() => {
        state.typers.delete(t.id);
        renderTypers();
      }, 4000);
      state.typers.set(t.id, { nick: t.nick, timer });
    } else {
      state.typers.delete(t.id);
    }
    renderTypers();
  }

  function clearTypers() {
    for (const t of state.typers.values()) clearTimeout(t.timer);
    state.typers.clear();
    renderTypers();
  }

  function renderTypers() {
    const nicks = [...state.typers.values()].map((t) => t.nick);
    $("#typing").textContent =
      nicks.length === 0 ? "" : nicks.length === 1 ? nicks[0] + " is typing…" : nicks.join(", ") + " are typing…";
  }

  // A reload goes back to the nickname and room this tab had.
  if (Array.isArray(saved.rooms)) {
    for (const r of saved.rooms) if (typeof r === "string" && !state.rooms.includes(r)) state.rooms.push(r);
  }
  if (typeof saved.room === "string" && saved.room) state.room = saved.room;
  renderRooms();
  if (loaded && typeof saved.nick === "string" && saved.nick.trim()) {
    $("#nick").value = saved.nick;
    start(saved.nick.trim());
  }
})();
