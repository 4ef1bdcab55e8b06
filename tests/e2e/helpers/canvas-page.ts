/**
 * A page that draws videos into canvases as call clients and WebGL players do, for tests/e2e/canvas-overlay:
 * - `#ref`: the talking-head clip as a plain <video> (the video path, for comparison);
 * - `#c2d`: the same clip drawn into a 2D canvas every animation frame;
 * - `#cgl`: the same clip uploaded as a WebGL texture and drawn, without `preserveDrawingBuffer`;
 * - `#grid`: a 2x2 call grid drawn into one canvas (the talking head and a second clip, each also mirrored);
 * - `#tainted`: a cross-origin video without CORS drawn into a canvas (the browser hides its pixels).
 * The videos feeding the canvases are not in the document: the overlay sees the canvases only. The page
 * counts its own animation frames (`window.pageFrames`), to see what the capture costs it.
 */
export function canvasPageHtml(opts: { talk: string; second: string; remoteTalk: string }): string {
  return `<!doctype html><meta charset="utf-8"><title>Canvas players</title>
<style>
body{font:14px system-ui;margin:16px;background:#f4f4f6}
.row{display:flex;gap:12px;margin-bottom:12px;align-items:flex-start}
video,canvas{background:#000;display:block}
figure{margin:0} figcaption{font-size:12px;color:#444}
</style>
<div class="row">
  <figure><video id="ref" src="${opts.talk}" muted loop playsinline width="320" height="180"></video><figcaption>Video element</figcaption></figure>
  <figure><canvas id="c2d" width="640" height="360" style="width:320px;height:180px"></canvas><figcaption>2D canvas</figcaption></figure>
  <figure><canvas id="cgl" width="640" height="360" style="width:320px;height:180px"></canvas><figcaption>WebGL canvas</figcaption></figure>
</div>
<div class="row">
  <figure><canvas id="grid" width="1280" height="720" style="width:576px;height:324px"></canvas><figcaption>Call grid</figcaption></figure>
  <figure><canvas id="tainted" width="640" height="360" style="width:320px;height:180px"></canvas><figcaption>Cross-origin canvas</figcaption></figure>
</div>
<script>
const source = (src, cors) => {
  const v = document.createElement('video');
  if (cors) v.crossOrigin = 'anonymous';
  v.src = src; v.muted = true; v.loop = true; v.playsInline = true;
  return v;
};
const talk = source(${JSON.stringify(opts.talk)});
const second = source(${JSON.stringify(opts.second)});
const remote = source(${JSON.stringify(opts.remoteTalk)});
window.feeds = [talk, second, remote];
const ref = document.getElementById('ref');
window.allVideos = () => [ref, talk, second, remote];

const c2d = document.getElementById('c2d').getContext('2d');
const grid = document.getElementById('grid').getContext('2d');
const tainted = document.getElementById('tainted').getContext('2d');

const glCanvas = document.getElementById('cgl');
const gl = glCanvas.getContext('webgl', { preserveDrawingBuffer: false });
const shader = (type, text) => { const s = gl.createShader(type); gl.shaderSource(s, text); gl.compileShader(s); return s; };
const program = gl.createProgram();
gl.attachShader(program, shader(gl.VERTEX_SHADER, 'attribute vec2 p; varying vec2 t; void main(){ t = vec2((p.x + 1.0) / 2.0, (1.0 - p.y) / 2.0); gl_Position = vec4(p, 0.0, 1.0); }'));
gl.attachShader(program, shader(gl.FRAGMENT_SHADER, 'precision mediump float; varying vec2 t; uniform sampler2D s; void main(){ gl_FragColor = texture2D(s, t); }'));
gl.linkProgram(program);
gl.useProgram(program);
gl.bindBuffer(gl.ARRAY_BUFFER, gl.createBuffer());
gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);
const loc = gl.getAttribLocation(program, 'p');
gl.enableVertexAttribArray(loc);
gl.vertexAttribPointer(loc, 2, gl.FLOAT, false, 0, 0);
gl.bindTexture(gl.TEXTURE_2D, gl.createTexture());
for (const [k, v] of [[gl.TEXTURE_MIN_FILTER, gl.LINEAR], [gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE], [gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE]]) gl.texParameteri(gl.TEXTURE_2D, k, v);

const ready = (v) => v.readyState >= 2;
const drawMirrored = (ctx, v, x, y, w, h) => { ctx.save(); ctx.translate(x + w, y); ctx.scale(-1, 1); ctx.drawImage(v, 0, 0, w, h); ctx.restore(); };
window.pageFrames = 0;
// A 2 px mark in the top-left corner that changes every frame, as a player's progress bar or a call client's
// speaking indicator would: Chromium's capture sends no frame while a canvas is redrawn with the same paused
// video frame (measured), so without it the paused picture would be analysed once, not settle.
const mark = (ctx) => { ctx.fillStyle = window.pageFrames % 2 ? '#fff' : '#000'; ctx.fillRect(0, 0, 2, 2); };
function draw() {
  window.pageFrames++;
  if (ready(talk)) {
    c2d.drawImage(talk, 0, 0, 640, 360);
    mark(c2d);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, talk);
    gl.drawArrays(gl.TRIANGLE_STRIP, 0, 4);
    gl.enable(gl.SCISSOR_TEST);
    gl.scissor(0, 358, 2, 2);
    gl.clearColor(window.pageFrames % 2, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.disable(gl.SCISSOR_TEST);
  }
  if (ready(talk) && ready(second)) {
    grid.drawImage(talk, 0, 0, 640, 360);
    grid.drawImage(second, 640, 0, 640, 360);
    drawMirrored(grid, second, 0, 360, 640, 360);
    drawMirrored(grid, talk, 640, 360, 640, 360);
    mark(grid);
  }
  if (ready(remote)) tainted.drawImage(remote, 0, 0, 640, 360);
  requestAnimationFrame(draw);
}
requestAnimationFrame(draw);
for (const v of window.allVideos()) v.play();
</script>`;
}
