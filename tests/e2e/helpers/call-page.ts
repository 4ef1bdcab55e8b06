/**
 * A video-call page for the E2E tests, served by helpers/servers.ts: it takes the (fake) camera with
 * getUserMedia and calls itself over WebRTC, one pair of RTCPeerConnections per remote participant, each
 * sending its own clone of the camera track. Like a real call app it adds a tile per participant after load
 * (`<video autoplay playsinline>` with `srcObject`), mirrors and mutes the self view, fits tiles with
 * different object-fit, and removes a tile when its participant leaves.
 *
 * `window.call` (for the test): `start()` joins (the self view, then the participants one by one) and
 * resolves once every tile plays; `leave(name)` hangs up and removes
 * the tile; `scaleDown(name, factor)` makes that participant's sender send a smaller picture (the remote
 * video's size changes mid-call, as with WebRTC's bandwidth adaptation).
 */
export const CALL_PARTICIPANTS = ['ana', 'ben'] as const;

export const CALL_PAGE_HTML = `<!doctype html><meta charset="utf-8"><title>Call</title>
<style>
  body { margin: 0; font: 14px system-ui; background: #202124; color: #fff; }
  header { padding: 10px 16px; }
  #grid { display: flex; flex-wrap: wrap; gap: 12px; padding: 0 16px; align-items: flex-start; }
  .tile { position: relative; background: #000; border-radius: 8px; overflow: hidden; }
  .tile video { display: block; width: 100%; height: 100%; }
  .tile span { position: absolute; left: 8px; bottom: 6px; font-size: 12px; text-shadow: 0 1px 2px #000; }
  #tile-ana { width: 400px; height: 300px; }
  #tile-ana video { object-fit: cover; }
  #tile-ben { width: 480px; height: 300px; }
  #tile-self { position: fixed; right: 16px; bottom: 16px; width: 256px; height: 144px; }
  #tile-self video { transform: scaleX(-1); }
</style>
<header>Loopback call</header>
<div id="grid"></div>
<script>
  const grid = document.getElementById('grid');
  const peers = new Map();

  function addTile(name, stream, { muted = false } = {}) {
    const tile = document.createElement('div');
    tile.className = 'tile';
    tile.id = 'tile-' + name;
    const video = document.createElement('video');
    video.id = 'video-' + name;
    video.autoplay = true;
    video.playsInline = true;
    video.muted = muted;
    video.srcObject = stream;
    const label = document.createElement('span');
    label.textContent = name === 'self' ? 'You' : name;
    tile.append(video, label);
    (name === 'self' ? document.body : grid).append(tile);
    tile.dataset.addedAt = String(performance.timeOrigin + performance.now());
    return video;
  }

  async function connect(name, camera) {
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
    const remote = new Promise((resolve) => (b.ontrack = (e) => resolve(e.streams[0])));
    const track = camera.getVideoTracks()[0].clone();
    const sender = a.addTrack(track, new MediaStream([track]));
    await a.setLocalDescription();
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription();
    await a.setRemoteDescription(b.localDescription);
    const stream = await remote;
    peers.set(name, { a, b, sender, track });
    return addTile(name, stream);
  }

  const playing = (video) =>
    new Promise((resolve) => {
      const check = () => (video.currentTime > 0 && !video.paused ? resolve() : setTimeout(check, 50));
      check();
    });

  window.call = {
    async start() {
      const camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 }, audio: false });
      const videos = [addTile('self', camera, { muted: true })];
      for (const name of ${JSON.stringify(CALL_PARTICIPANTS)}) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        videos.push(await connect(name, camera));
      }
      await Promise.all(videos.map(playing));
    },
    leave(name) {
      const peer = peers.get(name);
      peer.a.close();
      peer.b.close();
      peer.track.stop();
      peers.delete(name);
      document.getElementById('tile-' + name).remove();
    },
    async scaleDown(name, factor) {
      const { sender } = peers.get(name);
      const parameters = sender.getParameters();
      parameters.encodings[0].scaleResolutionDownBy = factor;
      await sender.setParameters(parameters);
    },
  };
</script>`;
