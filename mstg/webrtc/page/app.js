// The page mstg serves: camera and microphone to mstg, the processed tracks back, events live.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const withToken = (path) => token ? `${path}?token=${encodeURIComponent(token)}` : path;
const $ = (id) => document.getElementById(id);

// What tests and scripts can read: the state, the events, the figures, the frames shown.
const page = window.mstgPage = { state: "starting", events: [], stats: {}, framesShown: 0,
                                 audio: { packets: 0, energy: 0 }, error: null };

let pc = null, stream = null, session = null, cameras = [], cameraIndex = 0;

function setState(state, text) {
  page.state = state;
  $("state").textContent = text || state;
}

async function openCamera(deviceId) {
  const video = deviceId ? { deviceId: { exact: deviceId } } : { width: 1280, height: 720 };
  try {
    return await navigator.mediaDevices.getUserMedia({ video, audio: true });
  } catch (err) {  // no microphone: the camera alone
    return await navigator.mediaDevices.getUserMedia({ video });
  }
}

function gathered(connection) {
  if (connection.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    connection.addEventListener("icegatheringstatechange", () => {
      if (connection.iceGatheringState === "complete") resolve();
    });
  });
}

function showEvent(event) {
  page.events.push(event);
  if (event.type !== "barcode" && event.rawValue === undefined) return;
  const item = document.createElement("li");
  const format = document.createElement("span");
  format.className = "format";
  format.textContent = event.format || event.type;
  item.append(format, String(event.rawValue ?? JSON.stringify(event)));
  $("events").prepend(item);
  while ($("events").children.length > 50) $("events").lastChild.remove();
}

function showStats(stats) {
  page.stats = stats;
  if (stats.latency_p50_ms != null) $("latency").textContent = `${stats.latency_p50_ms} ms (p95 ${stats.latency_p95_ms})`;
  $("dropped").textContent = stats.dropped;
  $("codecs").textContent = Object.entries(stats.codecs || {}).map(([k, v]) => `${k} ${v}`).join(", ");
}

function countFrames(video) {
  const tick = () => { page.framesShown += 1; $("frames").textContent = page.framesShown; video.requestVideoFrameCallback(tick); };
  video.requestVideoFrameCallback(tick);
}

async function pollStats() {
  while (pc && pc.connectionState !== "closed") {
    const report = await pc.getStats();
    report.forEach((s) => {
      if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined)
        $("rtt").textContent = `${Math.round(s.currentRoundTripTime * 1000)} ms`;
      if (s.type === "inbound-rtp" && s.kind === "audio")
        page.audio = { packets: s.packetsReceived || 0, energy: s.totalAudioEnergy || 0 };
    });
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function start() {
  try {
    stream = await openCamera();
  } catch (err) {
    page.error = String(err);
    setState("no-camera", `cannot open the camera: ${err.message || err}`);
    return;
  }
  $("local").srcObject = stream;
  cameras = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "videoinput");
  $("switch").disabled = cameras.length < 2;
  $("stop").disabled = false;

  pc = new RTCPeerConnection();
  const channel = pc.createDataChannel("events");
  channel.onmessage = (m) => { const msg = JSON.parse(m.data); msg.type === "stats" ? showStats(msg) : showEvent(msg); };
  stream.getTracks().forEach((track) => pc.addTrack(track, stream));
  const back = new MediaStream();
  pc.ontrack = (e) => {
    back.addTrack(e.track);
    if (e.track.kind === "video") { $("processed").srcObject = back; countFrames($("processed")); }
    else $("sound").srcObject = new MediaStream([e.track]);
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === "connected") setState("connected", "connected: mstg sends the processed picture back");
    if (pc.connectionState === "failed") setState("failed", "the connection failed");
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const reply = await fetch(withToken("session"), { method: "POST", body: pc.localDescription.sdp,
                                                   headers: { "Content-Type": "application/sdp" } });
  if (reply.status !== 201) {
    page.error = await reply.text();
    setState("refused", `mstg refused: ${page.error}`);
    return;
  }
  session = reply.headers.get("Location");
  await pc.setRemoteDescription({ type: "answer", sdp: await reply.text() });
  setState("connecting", "connecting…");
  pollStats();
}

$("switch").onclick = async () => {
  cameraIndex = (cameraIndex + 1) % cameras.length;
  const next = await navigator.mediaDevices.getUserMedia({ video: { deviceId: { exact: cameras[cameraIndex].deviceId } } });
  const track = next.getVideoTracks()[0];
  const sender = pc.getSenders().find((s) => s.track && s.track.kind === "video");
  stream.getVideoTracks().forEach((t) => { t.stop(); stream.removeTrack(t); });
  stream.addTrack(track);
  await sender.replaceTrack(track);
};

$("stop").onclick = async () => {
  if (session) fetch(withToken(session.replace(/^\//, "")), { method: "DELETE" });
  if (pc) pc.close();
  if (stream) stream.getTracks().forEach((t) => t.stop());
  $("stop").disabled = $("switch").disabled = true;
  setState("stopped");
};

// Read back one pixel of the processed picture, at its own size: [r, g, b].
page.pixel = (x, y) => {
  const video = $("processed"), canvas = document.createElement("canvas");
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(video, 0, 0);
  return Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3));
};

start();
