/// The console's stylesheet and script, served by the binary itself: no CDN, no build step.
enum ConsoleAssets {
    static let css = """
        :root { color-scheme: light dark; --line: #8884; --bad: #c0392b; --accent: #2d6cdf; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
        header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1rem;
                 border-bottom: 1px solid var(--line); }
        nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
        nav a { text-decoration: none; color: inherit; padding: .15rem 0; }
        nav a[aria-current] { border-bottom: 2px solid var(--accent); }
        .who { margin-left: auto; font-size: .9rem; display: flex; gap: .4rem; align-items: center; }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .6rem 0; }
        .login { display: flex; flex-direction: column; gap: .6rem; max-width: 24rem; }
        button.danger { color: var(--bad); }
        main { padding: 0 1rem 2rem; max-width: 80rem; margin: 0 auto; }
        h1 { font-size: 1.4rem; } h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
        .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: .8rem; }
        .card { border: 1px solid var(--line); border-radius: .4rem; padding: .6rem .8rem; }
        .card h2 { margin: 0; font-size: .9rem; font-weight: 500; opacity: .8; }
        .card .value { font-size: 1.8rem; margin: .1rem 0; font-variant-numeric: tabular-nums; }
        .card.alarm { border-color: var(--bad); }
        .spark { display: block; width: 100%; height: 2rem; } .spark polyline { fill: none; stroke: var(--accent); stroke-width: 1.5; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
        th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
        th { font-weight: 600; } .n { text-align: right; }
        .bad { color: var(--bad); } .alert { border-left: 4px solid var(--bad); padding: .4rem .8rem; }
        .controls { margin: .2rem 0 .8rem; }
        .filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin-bottom: 1rem; }
        .filters label { display: flex; flex-direction: column; font-size: .85rem; gap: .15rem; }
        td.wrap, dd.wrap { white-space: normal; overflow-wrap: anywhere; max-width: 40rem; }
        td.wrap { min-width: 14rem; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
        .facts dt { font-weight: 600; } .facts dd { margin: 0; }
        form.inline { display: flex; gap: .3rem; align-items: center; margin: 0; }
        form.inline input[type=number] { width: 6rem; }
        .notice { border-left: 4px solid var(--accent); padding: .4rem .8rem; }
        .timeline { padding-left: 1.2rem; } .timeline time { font-variant-numeric: tabular-nums; margin-right: .5rem; }
        """

    /// Refreshes the live part of a page from its endpoint at the rate the operator picks; the choice
    /// is kept in the browser. One request per refresh, for the whole page.
    static let js = """
        (function () {
          var select = document.getElementById("refresh");
          var live = document.getElementById("live");
          if (!select || !live) return;
          var timer = null;
          var saved = localStorage.getItem("stockroom.refresh");
          if (saved !== null) select.value = saved;
          function schedule() {
            if (timer) clearTimeout(timer);
            var seconds = Number(select.value);
            if (seconds > 0) timer = setTimeout(refresh, seconds * 1000);
          }
          function refresh() {
            fetch(select.dataset.live, { credentials: "same-origin" })
              .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
              .then(function (html) { live.innerHTML = html; })
              .catch(function () {})
              .then(schedule);
          }
          select.addEventListener("change", function () {
            localStorage.setItem("stockroom.refresh", select.value);
            schedule();
          });
          schedule();
        })();
        """
}
