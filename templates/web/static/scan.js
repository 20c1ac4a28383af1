/* AZX: the auditor's QR scanner. The code is read in this browser (the built-in BarcodeDetector
   where there is one, else jsQR, vendored under /app/static/vendor/) from the camera or from a
   photo; the text goes to /app/scan/open, which opens the verify page it names on this service
   (never another site). Nothing else is sent. No library but jsQR; no inline script. */
(function () {
  "use strict";
  var box = document.getElementById("scanner");
  if (!box) { return; }
  var en = (document.documentElement.lang || "").indexOf("en") === 0;
  var startBtn = document.getElementById("scan-start");
  var stopBtn = document.getElementById("scan-stop");
  var video = document.getElementById("scan-video");
  var file = document.getElementById("scan-file");
  var status = document.getElementById("scan-status");
  var canvas = document.createElement("canvas");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var detector = null;
  if ("BarcodeDetector" in window) {
    try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (e) { detector = null; }
  }
  box.hidden = false;
  var cameraOk = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) &&
    window.isSecureContext;
  if (!cameraOk) { startBtn.hidden = true; }

  function say(zh, english) { status.textContent = en ? english : zh; }

  function open(text) {
    stop();
    say("已识别，正在打开核验页…", "Found: opening the verification page…");
    window.location.assign("/app/scan/open?code=" + encodeURIComponent(text));
  }

  function decode(source, w, h) {
    if (!w || !h) { return Promise.resolve(null); }
    if (detector) {
      return detector.detect(source).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      }, function () { return viaJsQR(source, w, h); });
    }
    return Promise.resolve(viaJsQR(source, w, h));
  }

  function viaJsQR(source, w, h) {
    if (typeof window.jsQR !== "function") { return null; }
    var scale = Math.min(1, 1280 / Math.max(w, h));
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" });
    return found ? found.data : null;
  }

  function tick() {
    if (!stream) { return; }
    decode(video, video.videoWidth, video.videoHeight).then(function (text) {
      if (text) { open(text); } else if (stream) { window.setTimeout(tick, 250); }
    });
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.hidden = true;
    stopBtn.hidden = true;
    startBtn.hidden = !cameraOk;
  }

  startBtn.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        stopBtn.hidden = false;
        startBtn.hidden = true;
        say("请将二维码对准取景框", "Point the camera at the QR code");
        return video.play().then(tick);
      }, function () {
        say("无法使用摄像头：请允许摄像头权限，或拍摄二维码照片", "No camera: allow it, or take a photo of the code");
      });
  });
  stopBtn.addEventListener("click", stop);

  file.addEventListener("change", function () {
    var f = file.files && file.files[0];
    if (!f) { return; }
    var url = URL.createObjectURL(f);
    var img = new Image();
    img.onload = function () {
      decode(img, img.naturalWidth, img.naturalHeight).then(function (text) {
        URL.revokeObjectURL(url);
        if (text) { open(text); } else {
          say("照片中未找到二维码，请靠近些重拍", "No QR code found in the photo: take it closer");
        }
      });
    };
    img.onerror = function () { say("无法读取此图片", "This picture cannot be read"); };
    img.src = url;
  });
}());
