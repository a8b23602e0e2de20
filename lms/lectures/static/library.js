// Library filters: the topic list follows the chosen subject and grade (GET /api/v1/topics).
(function () {
  "use strict";
  var subject = document.getElementById("f-subject");
  var grade = document.getElementById("f-grade");
  var topic = document.getElementById("f-topic");
  if (!subject || !grade || !topic) { return; }
  function load() {
    var selected = topic.getAttribute("data-selected");
    if (!subject.value || !grade.value) { return; }
    window.LMS.api("GET", "/topics?subject=" + encodeURIComponent(subject.value) + "&grade=" + encodeURIComponent(grade.value))
      .then(function (data) {
        var items = (data && (data.items || data)) || [];
        topic.length = 1;
        items.forEach(function (t) {
          var option = document.createElement("option");
          option.value = String(t.id);
          option.textContent = t.name;
          if (String(t.id) === selected) { option.selected = true; }
          topic.appendChild(option);
        });
      }).catch(function () {});
  }
  subject.addEventListener("change", function () { topic.setAttribute("data-selected", ""); load(); });
  grade.addEventListener("change", function () { topic.setAttribute("data-selected", ""); load(); });
  load();
})();
