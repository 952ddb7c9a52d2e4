/* The lesson player: report what is really played, resume where it stopped, cope with slow networks.
 *
 * Every ~10 s the page posts {position, from, to}: one stretch played without a jump. Seeking
 * closes the stretch, so skipped parts are never reported (and the server also refuses to count
 * more than the time that has passed). A report that fails stays queued and is retried quietly;
 * touching stretches are joined so the queue stays short. Leaving the page sends what is left
 * with `keepalive`, so the resume position survives closing the tab.
 */
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  if (!video || !video.dataset.heartbeat) return;

  var url = video.dataset.heartbeat;
  var csrf = video.dataset.csrf;
  var resumeAt = parseFloat(video.dataset.position) || 0;
  var bar = document.getElementById("lesson-progress");
  var status = document.getElementById("lesson-status");
  var EVERY_MS = 10000;
  var MAX_STEP = 1.5; // a larger jump between two timeupdates is a seek, not playing

  var start = null; // the stretch being played: [start, last]
  var last = null;
  var queue = []; // stretches waiting to be reported
  var busy = false;
  var sentPosition = -1;

  function closeStretch() {
    if (start !== null && last - start > 0.05) {
      var tail = queue[queue.length - 1];
      if (tail && Math.abs(tail[1] - start) < 0.05) tail[1] = last;
      else queue.push([start, last]);
    }
    start = null;
  }

  function show(d) {
    if (bar) {
      bar.style.width = d.percent + "%";
      bar.parentNode.setAttribute("aria-valuenow", d.percent);
      if (d.completed) bar.classList.add("bg-success");
    }
    if (!status) return;
    if (d.completed) status.textContent = status.dataset.done;
    else if (d.percent >= 90) status.textContent = status.dataset.quiz;
    else status.textContent = status.dataset.watching + " " + d.percent + "%";
  }

  function post(range, keepalive) {
    var position = video.currentTime || 0;
    var body = { position: position, from: range ? range[0] : position, to: range ? range[1] : position };
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    }).then(function (r) {
      // A refusal (signed out, not found, invalid) will not get better by retrying: drop it.
      var final = r.ok || (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429);
      if (!final) throw new Error("retry");
      sentPosition = position;
      return r.ok ? r.json() : null;
    });
  }

  function send() {
    if (busy) return;
    var range = queue.shift() || null;
    if (!range && Math.abs((video.currentTime || 0) - sentPosition) < 1) return;
    busy = true;
    post(range, false)
      .then(function (d) {
        if (d) show(d);
      })
      .catch(function () {
        if (range) queue.unshift(range); // offline or too slow: try again on the next tick
        range = null;
      })
      .then(function () {
        busy = false;
        if (range && queue.length) setTimeout(send, 200);
      });
  }

  function tick() {
    if (start !== null) {
      var at = last;
      closeStretch();
      start = last = at; // keep playing in a new stretch that touches the old one
    }
    send();
  }

  function leave() {
    closeStretch();
    if (!queue.length) queue.push(null);
    while (queue.length) post(queue.shift(), true).catch(function () {});
  }

  video.addEventListener(
    "loadedmetadata",
    function () {
      if (resumeAt > 0 && resumeAt < video.duration - 3) video.currentTime = resumeAt;
    },
    { once: true }
  );
  video.addEventListener("timeupdate", function () {
    if (video.seeking || video.paused) return;
    var t = video.currentTime;
    if (start === null) {
      start = last = t;
    } else if (t < last || t - last > MAX_STEP) {
      closeStretch();
      start = last = t;
    } else {
      last = t;
    }
  });
  video.addEventListener("seeking", closeStretch);
  video.addEventListener("pause", tick);
  video.addEventListener("ended", tick);
  video.addEventListener("ratechange", function () {
    if (video.playbackRate > 1) video.playbackRate = 1; // study time is counted at normal speed
  });
  window.addEventListener("online", send);
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      closeStretch();
      send();
    }
  });
  setInterval(tick, EVERY_MS);
})();
