"""The HTML report's inline stylesheet and script (no framework, nothing fetched)."""

from __future__ import annotations

# Nothing may leave the file: images are data URIs, style and script inline.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--err:#cf222e;--warn:#9a6700;
--info:#0969da;--ok:#1a7f37}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg);margin:0 auto;padding:16px 24px;max-width:none}
h1{font-size:20px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-weight:600}
.pass{background:var(--ok)}.fail{background:var(--err)}
.muted{color:var(--muted)}dl.settings{display:grid;grid-template-columns:max-content 1fr;
gap:2px 12px;margin:8px 0}dl.settings dt{color:var(--muted)}dl.settings dd{margin:0}
ol.findings{padding-left:20px}ol.findings li{margin:6px 0}
.sev{font-weight:600;text-transform:uppercase;font-size:11px;padding:1px 6px;border-radius:4px;
border:1px solid currentColor}
.sev-error{color:var(--err)}.sev-warning{color:var(--warn)}.sev-info{color:var(--info)}
.hint{color:var(--muted)}.hint::before{content:"hint: ";font-weight:600}
table.stages{border-collapse:collapse}table.stages td,table.stages th{border:1px solid var(--line);
padding:3px 8px;vertical-align:top;text-align:left}table.stages tr:target{background:#fff8c5}
.charts{display:flex;flex-wrap:wrap;gap:8px}.chartbox{margin:0;border:1px solid var(--line);
border-radius:6px;padding:4px}
.chart text{font:11px system-ui,sans-serif;fill:var(--muted)}.chart .ct{fill:var(--fg);
font-weight:600;font-size:12px}.chart .yl{text-anchor:end}.chart .xl{text-anchor:middle}
.chart .end{text-anchor:end}.chart .grid{stroke:#eaeef2}.chart .ln{fill:none;stroke:#0969da;
stroke-width:1.5}.chart .band{stroke:#8c959f;stroke-width:5;stroke-linecap:round;opacity:.45}
.chart .pt{fill:#0969da}
.toggles{position:sticky;top:0;background:var(--bg);padding:6px 0;z-index:2;
border-bottom:1px solid var(--line)}.toggles label{margin-right:14px;cursor:pointer}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:3px}
.wrapgrid{overflow-x:auto}table.grid{border-collapse:collapse;width:max-content}
table.grid th{font-weight:600;font-size:12px;padding:4px;vertical-align:bottom;text-align:center;
max-width:180px;overflow-wrap:anywhere}table.grid th.rowh{text-align:right;font-weight:400;
min-width:150px;max-width:220px;position:sticky;left:0;background:var(--bg);z-index:1}
table.grid td{padding:3px;vertical-align:top;text-align:center}
table.grid th:target{background:#fff8c5}
figure.cell{margin:0;cursor:zoom-in;display:inline-block}
.pic{position:relative;display:inline-block;background:#f6f8fa;line-height:0}
.pic img{display:block}.pic .ov{position:absolute;left:0;top:0;width:100%;height:100%;
display:none;image-rendering:pixelated}
body.show-fill .ov-fill,body.show-oor .ov-oor,body.show-wrap .ov-wrap,
body.show-error .ov-error{display:block}
.cap-err{display:none}body.show-error .cap-err{display:block}
figcaption{font-size:11px;color:var(--muted);max-width:170px;line-height:1.3;margin-top:2px}
.missing{font-size:11px;color:var(--muted);padding:12px 4px}
#lightbox{position:fixed;inset:0;background:rgba(20,20,20,.86);display:none;z-index:10;
overflow:auto;padding:24px;color:#eee}#lightbox.open{display:flex;gap:24px;align-items:flex-start}
#lightbox .pic{background:#333}#lightbox .pic img.big{max-width:80vw;max-height:88vh}
#lightbox table{border-collapse:collapse;font-size:13px}#lightbox td{padding:2px 8px;
border-bottom:1px solid #555}#lightbox h3{margin:0 0 8px;font-size:15px}
#lightbox button{margin-top:10px}
"""

JS = """
(function(){
  'use strict';
  var body = document.body;
  document.querySelectorAll('.toggles input[data-layer]').forEach(function(box){
    var apply = function(){ body.classList.toggle('show-' + box.dataset.layer, box.checked); };
    box.addEventListener('change', apply); apply();
  });
  var cells = JSON.parse(document.getElementById('cell-data').textContent);
  var box = document.getElementById('lightbox');
  var pic = box.querySelector('.pic');
  function close(){ box.classList.remove('open'); pic.textContent=''; }
  function open(fig){
    var info = cells[Number(fig.dataset.cell)];
    var thumb = fig.querySelector('img.th');
    pic.textContent = '';
    var big = document.createElement('img');
    big.className = 'big';
    big.src = info.full || thumb.src;
    big.alt = info.title;
    var w = info.full ? info.fw : Number(thumb.getAttribute('width')) * 3;
    big.width = w;
    pic.appendChild(big);
    fig.querySelectorAll('img.ov').forEach(function(ov){
      var copy = ov.cloneNode(false); pic.appendChild(copy);
    });
    box.querySelector('h3').textContent = info.title;
    var tbody = box.querySelector('tbody');
    tbody.textContent = '';
    info.rows.forEach(function(row){
      var tr = document.createElement('tr');
      row.forEach(function(text){
        var td = document.createElement('td'); td.textContent = text; tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    box.querySelector('.note').textContent = info.full ? '' :
      'full size left out to keep the file small: the thumbnail is shown enlarged';
    box.classList.add('open');
    box.querySelector('button').focus();
  }
  document.querySelectorAll('figure.cell').forEach(function(fig){
    fig.addEventListener('click', function(){ open(fig); });
    fig.addEventListener('keydown', function(e){ if (e.key === 'Enter') open(fig); });
  });
  box.addEventListener('click', function(e){ if (e.target === box) close(); });
  box.querySelector('button').addEventListener('click', close);
  document.addEventListener('keydown', function(e){ if (e.key === 'Escape') close(); });
  body.dataset.ready = '1';
})();
"""
