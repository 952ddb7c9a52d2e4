// The description's character counter; the form works without it.
(function () {
  var text = document.getElementById("id_description");
  var counter = document.getElementById("description-count");
  if (!text || !counter) return;
  function update() {
    counter.textContent = text.value.length;
    counter.parentNode.classList.toggle("text-danger", text.value.length > 1000);
  }
  text.addEventListener("input", update);
  update();
})();
