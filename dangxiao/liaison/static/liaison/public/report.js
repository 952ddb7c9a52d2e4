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

// Say how many photos are attached: the file inputs themselves are hidden behind the buttons.
(function () {
  var out = document.getElementById("photos-chosen");
  if (!out) return;
  var inputs = document.querySelectorAll('input[type="file"][name="photos"]');
  function update() {
    var n = 0;
    inputs.forEach(function (input) { n += input.files ? input.files.length : 0; });
    out.textContent = n ? out.dataset.template.replace("N", n) : "";
  }
  inputs.forEach(function (input) { input.addEventListener("change", update); });
  update();
})();
