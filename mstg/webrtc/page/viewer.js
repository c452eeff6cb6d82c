// A WHEP viewer: posts a receive-only offer to this endpoint and plays what mstg sends.
"use strict";

const token = new URLSearchParams(location.search).get("token");
const viewer = window.mstgViewer = { state: "connecting", framesShown: 0, audio: { packets: 0, energy: 0 } };
const video = document.getElementById("processed");

async function play() {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  const stream = new MediaStream();
  pc.ontrack = (e) => {
    if (e.track.kind === "audio") document.getElementById("sound").srcObject = new MediaStream([e.track]);
    else { stream.addTrack(e.track); video.srcObject = stream; }
  };
  pc.onconnectionstatechange = () => {
    viewer.state = pc.connectionState;
    document.getElementById("state").textContent = pc.connectionState;
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
  });
  const headers = { "Content-Type": "application/sdp" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const reply = await fetch(location.pathname, { method: "POST", body: pc.localDescription.sdp, headers });
  if (reply.status !== 201) { viewer.state = `refused ${reply.status}`; return; }
  await pc.setRemoteDescription({ type: "answer", sdp: await reply.text() });
  const tick = () => { viewer.framesShown += 1; video.requestVideoFrameCallback(tick); };
  video.requestVideoFrameCallback(tick);
  setInterval(async () => {
    (await pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "audio")
        viewer.audio = { packets: s.packetsReceived || 0, energy: s.totalAudioEnergy || 0 };
    });
  }, 500);
}

viewer.size = () => [video.videoWidth, video.videoHeight];
play();
