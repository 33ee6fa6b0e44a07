// Share an article: the system's share sheet where there is one, else copy its link.
// Without this script the link is a plain link to the article.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[data-share]");
  if (!link) return;
  var status = link.parentNode.querySelector("[role=status]");
  if (navigator.share) {
    event.preventDefault();
    navigator.share({title: document.title, url: link.href}).catch(function () {});
  } else if (navigator.clipboard && window.isSecureContext) {
    event.preventDefault();
    navigator.clipboard.writeText(link.href).then(function () {
      if (status) status.textContent = link.getAttribute("data-copied");
    }, function () { location.href = link.href; });
  }
});
