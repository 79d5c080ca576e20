-- statuskommune: in the typst PDF, a figure's «Kilde:» line starts on a new line in smaller,
-- grey type, as in the built-in renderer. HTML keeps <span class="kilde">.
function Span(el)
  if quarto.doc.is_format("typst") and el.classes:includes("kilde") then
    local body = pandoc.write(pandoc.Pandoc({ pandoc.Plain(el.content) }), "typst"):gsub("%s+$", "")
    return pandoc.RawInline("typst", '#linebreak() #text(size: 0.92em, fill: rgb("#404040"))[' .. body .. ']')
  end
end
