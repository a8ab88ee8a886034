"""Regenerate the bundled sample corpus, ``samples/tweets-2026-01-02.csv``.

Every tweet here is fictional: written for this project around the events the seed post names,
posted by invented handles. The script is deterministic (one ``random.Random(seed)``, no clock, no
network), so the committed CSV is exactly what it prints and a review reads the texts here.

    python samples/make_sample.py                # rewrite samples/tweets-2026-01-02.csv
    python samples/make_sample.py --check        # exit 1 if the committed file is stale

``{link}`` in a text becomes a fresh t.co link; nothing else is formatted, so texts may hold
braces (the hostile ones do).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

SEED = 20260102
OUT = Path(__file__).resolve().parent / "tweets-2026-01-02.csv"
COLUMNS = (
    "id",
    "created_at",
    "username",
    "name",
    "text",
    "lang",
    "like_count",
    "retweet_count",
    "reply_count",
    "quote_count",
    "view_count",
)
# 2026-01-02 in Asia/Shanghai (UTC+8, no DST), as UTC instants.
DAY_START = datetime(2026, 1, 1, 16, 0, 0, tzinfo=UTC)
DAY_END = DAY_START + timedelta(days=1, seconds=-1)
# Twitter's snowflake epoch: ids carry their creation millisecond in the high bits, so ids
# sort with time as real ones do.
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657

# Posting activity by Shanghai local hour: English peaks in the US day (Shanghai night),
# Chinese in the Chinese day.
EN_HOURS = (7, 7, 6, 6, 5, 4, 3, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 5, 6, 7)
ZH_HOURS = (2, 1, 1, 0.5, 0.3, 0.3, 0.5, 1, 3, 5, 6, 6, 5, 5, 6, 6, 5, 4, 4, 5, 6, 6, 5, 3)

# ------------------------------------------------------------------------------ the texts

EN: dict[str, tuple[str, ...]] = {
    "multimodal": (
        "Gemini's interactive images are wild. Generated a diagram of the human heart, tapped the left ventricle and it explained the whole thing in context. This is how textbooks should work. {link}",
        "ok the Gemini interactive image thing: you click any region of a generated image and get a detailed explanation of that part. my kid spent 40 minutes on a cell diagram voluntarily 🤯",
        "Multimodal is quietly becoming the real moat. Text-only chat already feels like 2023.",
        "Tried the interactive image mode on an engine cutaway. Tap the turbocharger → explanation, tap the intercooler → explanation. Not perfect (it mislabeled one hose) but close.",
        "Hot take: interactive images > video generation for learning. Video is passive, tapping around a diagram is active recall.",
        "Every multimodal demo in 2025: 'describe this image'. Every multimodal demo in 2026: 'now let me poke at it'.",
        "Gemini made me an interactive map of the Silk Road and I could click each city for a summary. Geography class would have been so different.",
        "Vision + voice + screen understanding in one model is the thing. Separate pipelines are dead weight now.",
        "Asked three different models to read a blurry whiteboard photo from our planning session. Only one got the arrows right. Multimodal reasoning still has a long way to go.",
        "Image models that can render readable text inside diagrams were the unlock nobody talked about enough in 2025",
        "Pointed my phone camera at the back of my router and asked which cable goes where. It walked me through it. My dad will never call me for tech support again (he will)",
    ),
    "performance": (
        "New year, new leaderboard. Three labs claimed SOTA on the same benchmark this week and all three charts have different y-axes 🙃",
        "Evals are saturating faster than we can write them. By mid-2026 the only benchmark that matters will be 'did it ship working code'.",
        "Prediction: in 2026 every meaningful benchmark of progress moves to code. Models writing large systems, debugging themselves, shipping real apps. Everything else is vibes.",
        "The gap between the best open model and the best closed model is the smallest it's ever been. Check the numbers yourself {link}",
        "Benchmarks I trust in 2026: (1) my own repo (2) my own repo (3) long-horizon agent tasks that take hours. That's it.",
        "A 40B model beating much larger models on coding evals should make everyone rethink 'bigger is better'",
        "Ran our internal eval suite over the holidays on 6 frontier models. The ranking flipped twice depending on whether we allowed tool use. Single-number leaderboards are misleading.",
        "Reminder that 'beats the competition on benchmark X' in a launch post usually means 'on the subset we picked'",
        "Math olympiad-level problems went from impossible to routine for frontier models in about 18 months. Let that sink in.",
        "Claude, Gemini, GPT, DeepSeek, Qwen, Kimi… for 90% of my daily tasks they're all good enough now. The differentiator is the product around the model.",
        "The model that wins my daily use isn't the one at the top of the leaderboard, it's the one that says 'I don't know' when it doesn't.",
    ),
    "open_source": (
        "Most technology starts closed and ends up open. I don't see why AI would be the exception.",
        "Open weights in 2025 went from 'nice for research' to 'what we actually run in production'. Big shift.",
        "Counterpoint to 'open wins eventually': the frontier costs billions per training run. Open might win the middle of the market and lose the top. Both can be true.",
        "Chinese labs shipping open weights at this pace is the most underrated story of 2025.",
        "Our whole stack runs on an open model now. Cheaper, we can fine-tune it, and no surprise deprecations. Not going back.",
        "License check before you deploy that 'open' model. Half of them are open weights with a restrictive license, not open source.",
        "The open vs closed debate is boring. The real question is who owns the distribution.",
        "Hugging Face trending this morning is basically a list of Chinese and Korean labs. Times have changed.",
        "Open models don't need to be the best. They need to be good enough and yours.",
    ),
    "agents": (
        "AGI Mobile's phone agent actually taps through apps for you. Watched it book a table, reply to a group chat and change a setting buried 4 menus deep. Slightly terrifying, very useful. {link}",
        "The phone agent demos are getting real. Not 'here's a summary of your screen' but 'I opened the app and did it'.",
        "Enterprise agents in 2026 will be boring in the best way: invoices, tickets, reconciliations. That's where the money is.",
        "Every company I talked to in December has an 'agent initiative'. About 1 in 5 has one in production. 2026 is the year that ratio flips (or the budgets do).",
        "Agents don't fail on intelligence anymore. They fail on permissions, flaky APIs and bad docs.",
        "Hot take: the best agent framework is a while loop, good tools and a model that knows when to stop.",
        "Gave an agent access to our staging env for a week. It fixed 11 bugs, opened 3 useless PRs and once tried to 'clean up' a database table. Guardrails matter.",
        "Long-horizon agent tasks are the new frontier. Can it work for 8 hours without you?",
        "Agentic document processing is the sleeper hit. Boring PDFs → structured data → workflow. Nobody tweets about it, everybody buys it.",
        "The UX of agents is still bad. I don't want to watch it click. I want a receipt of what it did and an undo button.",
        "My 2026 prediction: 'AI agent' becomes as meaningless as 'cloud' was in 2012. Everything will be an agent.",
        "What actually makes enterprise agents work (from 9 deployments):\n1. narrow scope\n2. human approval on anything irreversible\n3. logs a human can read\n4. evals on real tickets, not demos",
        "Tried the AGI Mobile agent on my mom's phone. She asked it to 'send the grandkids photo to the family group' and it just… did. Accessibility is the killer app here.",
    ),
    "code": (
        "IQuest Labs just dropped a 40B code LLM and the evals look strong for its size. Downloading the weights now. {link}",
        "A 40B code model I can run on two GPUs that's competitive on SWE-style tasks? IQuest Labs cooking 🔥",
        "Gemini Code Wiki: paste a GitHub URL, get interactive documentation for the whole repo. Tried it on a 200k-line codebase I inherited and it's… actually good? {link}",
        "Vibe coding went from meme to job description in one year.",
        "Non-programmer friend built a full inventory app for her bakery over the holidays with vibe coding. Not a toy. It runs the shop now.",
        "Vibe coding is great until you need to debug the thing at 2am and have no idea how it works.",
        "The new dev tools all converge on the same shape: switch models per task, middleware hooks around every call, an agent that can run the tests. Pick the one with the best ergonomics.",
        "Code review is the new bottleneck. AI writes 5x the code, humans still review at 1x.",
        "I haven't written a regex by hand since March and I don't miss it.",
        "Hot take: juniors who learn with AI tools will outpace seniors who refuse to. The gap opens fast.",
        "Tried the new 40B code model on our legacy Java monolith. It understood the weird DI setup better than our last two hires. Sorry team.",
        "Generated docs from a GitHub URL in 30 seconds, better than what we wrote in 3 years. Humbling. #CodeWiki",
        "#vibecoding confession: I shipped a side project this week and I have read maybe 10% of its code",
        "Model switching in my editor is the most underrated feature of 2025. Cheap model for boilerplate, frontier model for the gnarly bits.",
    ),
    "architecture": (
        "DeepSeek published new work on the Transformer itself, rethinking residual connections (manifold-constrained hyper-connections). Architecture research is back. {link}",
        "While everyone else scales, DeepSeek keeps publishing architecture papers. Reading the new one tonight 🧵",
        "The DeepSeek paper is a good reminder that the Transformer is not finished. The residual stream barely changed since 2016.",
        "Honest question: will any post-Transformer idea (SSMs, hybrids, hyper-connections) actually displace the standard block in 2026? My bet: hybrids win.",
        "DeepSeek's new paper: training stability at scale for very little extra compute. If this replicates, everyone adopts it by summer.",
        "Architecture innovation coming from a lab with fewer GPUs is not an accident. Constraints breed creativity.",
        "Recursive language models + better residual design + cheaper attention. 2026 might be the year architecture matters again.",
    ),
    "inference": (
        "Inference costs dropped ~10x for the same quality this year. Nobody's pricing page reflects that yet.",
        "Speculative decoding + quantization + a decent KV cache strategy and our latency halved. No new hardware.",
        "The H200 isn't about training for most buyers, it's inference memory. 141GB of HBM changes what you can serve on one box.",
        "If 2025 was the year of reasoning models, 2026 is the year of making them cheap enough to run everywhere.",
        "Serving a reasoning model is a different beast. Our GPU bill tripled when we turned on 'thinking' for all users. Now it's opt-in.",
        "Small models distilled from big ones are the real workhorses. Nobody needs a frontier model to classify support emails.",
        "MoE is great until you have to serve it at low batch sizes. Memory bandwidth is everything.",
    ),
    "enterprise": (
        "Enterprise AI in 2025: pilots. Enterprise AI in 2026: procurement, SLAs and audits. Less fun, more revenue.",
        "CIO I spoke with: 'I don't need the smartest model, I need the one legal will approve.'",
        "The biggest enterprise AI blocker isn't the model. It's data living in 40 SharePoint sites nobody has permission to.",
        "Companies that rolled AI tools out to everyone vs only to engineers are seeing very different results. Broad rollout wins, if you train people.",
        "Our AI assistant saves each analyst ~6 hours a week. Leadership's response: 'great, so we hire fewer analysts.' Every company is about to have this conversation.",
        "The cognitive revolution inside companies is real: people who learned to delegate to models now do the work of small teams.",
    ),
    "competition": (
        "Korea's science ministry is backing 5 companies to train homegrown foundation models. LG, SK Telecom, Naver Cloud, NC AI and Upstage all presented this week.",
        "Sovereign AI is not a slogan anymore. Korea, Japan, India, the Gulf, all funding national models.",
        "The US-China AI race framing misses that middle powers are building too. Korea just proved it.",
        "Export rules on the H200 loosened and Chinese orders poured in. Policy moves markets faster than any model launch.",
        "Europe's AI story in 2025: regulation first, models later. Not sure that ordering works.",
        "Korea: chips (Samsung, SK Hynix) + national models + a government that actually funds it. Watch them in 2026.",
    ),
    "chips": (
        "ByteDance plans to spend $14B on Nvidia H200s in 2026. One company. One chip. $NVDA {link}",
        "Chinese firms have reportedly ordered more than 2 million H200 chips for 2026. That's a lot of HBM. $NVDA $MU",
        "$NVDA bulls have a simple case for 2026: ByteDance alone is planning $14B on H200. Everyone else is still buying too.",
        "Bearish take: memory is a cyclical business and everyone just forgot. $MU at these levels prices in perfection. Remember 2018-2019.",
        "$TSM: CoWoS capacity is still the bottleneck. As long as that's true, pricing power stays with the supply side.",
        "Kospi +76% in 2025, best major index in the world. Samsung and SK Hynix did most of the lifting. Who had that on their bingo card?",
        "SK Hynix +280% in a year. A memory company. Let that sink in. HBM changed the whole industry.",
        "$NVDA $AMD $AVGO all priced like the capex never stops. What happens when hyperscalers guide flat? Not saying it's now, just asking.",
        "Adding to $MU on every dip. HBM is sold out through 2026 per every channel check I've seen. 📈",
        "Sold half my $NVDA today. Not bearish on AI, just bearish on my position size 😅",
        "The memory trade in one line: AI needs HBM, only 3 companies make it, all 3 are sold out. $MU",
        "2M H200 orders from China is bullish $NVDA short term, but watch the policy risk. One rule change and that demand is gone.",
        "$GOOGL was quietly one of the best AI trades of 2025. Gemini + TPUs + a search business that didn't die.",
        "Storage makers outperforming Nvidia in 2025 is my favourite market fact of the year. $SNDK $WDC $STX",
        "Everyone is euphoric about AI hardware. That's usually when I get nervous. Trimming $SMCI and $MU into strength.",
        "Samsung +124% in 2025 after years of 'Samsung is dead money'. Never say never in semis.",
    ),
    "investment": (
        "We tripled ARR in 2025. Small team, one product, AI-native from day one. Happy to share what worked 🧵",
        "3x ARR in a year used to be top decile. For AI apps in 2025 it was table stakes for a Series B.",
        "Is it a bubble? Probably in parts. Railroads and the internet were bubbles too and still changed everything.",
        "The AI bubble debate is really two debates: are valuations too high (yes, some) and is the tech real (also yes).",
        "VCs in 2025: 'what's your AI strategy?' VCs in 2026: 'what's your gross margin after inference costs?'",
        "Every AI bubble thread I read assumes the capex has no revenue behind it. Cloud revenue growth says otherwise.",
        "Seed rounds at $100M+ valuations for teams with no product. Yeah, some of this is a bubble.",
    ),
    "education": (
        "Learn Your Way takes a textbook chapter and rebuilds it around what the kid cares about: soccer, cooking, Minecraft. Then adds quizzes, mind maps, audio. Education is about to change.",
        "78% vs 67% on retention with AI-personalised textbooks. If that holds at scale, the textbook industry should be nervous.",
        "Teachers in my feed are split on Learn Your Way: half love the personalisation, half worry kids will never read a normal text again.",
        "Personalised learning has been promised for 30 years. This is the first time the tech can actually do it at near-zero marginal cost.",
        "My daughter asked Gemini to explain photosynthesis 'like a football match'. It did. She gets it now. Not sure how I feel.",
    ),
    "ethics": (
        "Semantic collapse explains so much of what we saw in production RAG. Fine at 10k docs, garbage at 1M.",
        "By 2026 authenticity becomes infinitely replicable. Deepfakes and AI media will look real, and 'seeing is believing' is over.",
        "Got a voice message from my 'mom' asking for money yesterday. It was a clone. Talk to your parents about a family code word.",
        "We need provenance for media, not detectors. Detectors lose the arms race every time.",
        "AI may make a lot of labor optional. The right response is to prepare, not to panic.",
        "Safety teams shrinking while capabilities grow is the trend that worries me most going into 2026.",
        "The RAG crowd needs to hear this: more documents ≠ better answers. Past a point it's the opposite.",
    ),
    "research": (
        "MIT CSAIL's recursive language models (RLM): the model learns to manage its own context, calling itself on pieces of the input. Big gains on long-horizon tasks. {link}",
        "RLMs are a neat idea: instead of a bigger context window, let the model decide what to look at and recurse. Context management as a learned skill.",
        "New paper: small human hints help frontier models solve IMO-level problems they otherwise fail. Human + AI > AI, at least for now.",
        "Interesting theory paper on AI agent trading: what happens when most market participants are agents optimising similar objectives? Spoiler: weird equilibria.",
        "Reading list for the first week of 2026: recursive language models, semantic collapse in RAG, DeepSeek's residual work, and the agent trading theory paper.",
        "The 'small hints' IMO paper is underrated. A one-line nudge from a human turned failures into proofs. Collaboration beats autonomy on hard math.",
        "AI for science is the 2026 story I'm most excited about. Materials, proteins, math. Not chatbots.",
        "Robotics prediction for 2026: the demos get boring because they just work. Folding laundry is the new 'hello world'.",
    ),
    "skills": (
        "Spent the holiday going through the Claude Skills guides. 39 of them, and the ones on spreadsheets and PDFs alone saved me hours.",
        "Claude Skills is the right abstraction: packaged instructions + scripts the model loads only when needed. Expect everyone to copy it.",
        "Skills > prompts. A prompt is a one-off. A skill is reusable, versioned and shareable across the team.",
        "If you use Claude daily and haven't looked at Skills yet, start with the guide on building your own skill. Took me 20 minutes.",
    ),
    "outlook": (
        "2026 predictions, quick:\n- enterprise agents go mainstream\n- code gen eats the benchmarks\n- open models close the gap\n- robotics gets its ChatGPT moment\n- memory stocks stay weird",
        "Looking back at my 2025 predictions: got agents right, got open source wrong (it moved faster than I thought), completely missed Korea.",
        "Happy new year to everyone building things. 2026 is going to be a lot.",
        "Went to sleep for the holidays, woke up to 3 new frontier models and a new architecture paper. Normal week.",
        "The best thing you can do for your career in 2026 is ship one thing with AI every week. Doesn't matter what.",
        "AI is turning 'I'm not technical' into an excuse rather than a description.",
    ),
    "general": (
        "Claude, Gemini, GPT, DeepSeek, Qwen… I switch models per task now and don't even think about it.",
        "Hot take: the chat box is a transitional form. In 2 years most AI use won't look like chat.",
        "Every time I say 'AI can't do X' on here, someone replies with a demo of it doing X within a week.",
        "The most useful AI feature I used in 2025 was meeting notes. Not glamorous. Daily value.",
        "AI summaries of my group chats are funnier than the actual group chats",
        "My non-tech parents use AI more than my engineer friends now. Voice mode changed everything for them.",
        "Radiology group I work with now uses AI to pre-read every scan. Doctors still sign off, but turnaround went from days to hours.",
        "Law firms were the slowest adopters in 2024 and among the fastest in 2025. Routine contract review is basically solved.",
        "Made a short animated film over the holidays, all AI tools except the script. Not Pixar, but it made my family cry (the good kind).",
        "Farmers using phone cameras + multimodal models to diagnose crop disease is the AI story nobody on this app talks about.",
    ),
}

ZH: dict[str, tuple[str, ...]] = {
    "multimodal": (
        "Gemini 的交互式图片太好玩了：生成一张人体骨骼图，点哪块骨头就讲哪块，比翻教材直观多了。{link}",
        "多模态今年最大的变化：图片不再只是看，而是可以点、可以问。点击图像任意区域就能得到详细解释，这对教育场景是降维打击。",
        "试了下让模型看一张电路板照片找虚焊，居然指出来两处，其中一处是对的😂 多模态还在进步中",
        "以前多模态是“识图”，现在是“和图对话”。2026年交互式内容会是一个大方向。",
        "用Gemini生成了一张可交互的太阳系图，孩子点了半小时木星的卫星，这学习效率我服了",
    ),
    "performance": (
        "新年第一周，各家都在刷榜。说实话，榜单上差两三分，真实使用几乎感受不到差别。",
        "国产模型和海外头部模型的差距肉眼可见地在缩小，2026年应该能看到更多正面交锋。",
        "预测：2026年所有有意义的进展基准都会转向代码生成——能不能写出大型系统、自己调试、发布真实应用。",
        "评测集饱和得太快了，刚出半年的基准就被刷到90+，需要新的评测方法。",
        "40B 的代码模型在几个代码基准上打赢了一堆更大的模型，参数规模不再是唯一答案。",
    ),
    "open_source": (
        "2025年开源模型最大的变化：从“研究玩具”变成了“生产环境主力”。我们组已经全部切到开源权重了。",
        "开源权重不等于开源，部署之前先看许可证，有些条款限制挺多的。",
        "中国团队开源的速度和质量，是2025年最被低估的故事之一。",
        "开源最终会赢吗？我觉得中低端市场开源会赢，最前沿可能还是闭源的天下。两者可以同时成立。",
        "大多数技术都是从封闭开始、最终走向开放，AI没理由例外。#开源",
    ),
    "agents": (
        "AGI Mobile 的手机助手是真的能操控App：帮我在外卖软件下单、在设置里关掉一个藏得很深的开关。这才是Agent该有的样子。{link}",
        "企业级Agent明年的主战场：发票、工单、对账。不性感，但是真赚钱。",
        "和几个做企业服务的朋友聊，大家都说Agent的瓶颈不是模型能力，而是权限、接口和流程。",
        "2026年Agent会从“问答工具”变成“能执行复杂任务的自动化系统”，这一点我很确定。",
        "让Agent跑了一整晚整理报销单，早上起来发现它把三张出租车票合并成了一张😂 还得人来审。",
        "手机Agent最大的问题是信任：你敢让它替你付款吗？我不敢。",
    ),
    "code": (
        "IQuest Labs 发布了40B参数的代码大模型，同尺寸里代码能力很强，周末试一下本地部署。{link}",
        "Gemini Code Wiki 太方便了：丢一个GitHub链接进去，自动生成可交互的项目文档。接手老项目的救星。",
        "Vibe coding（氛围编程）火了一年，身边不会写代码的朋友已经用它做出了自己的小程序。",
        "氛围编程最大的坑：写得很快，出了bug完全不知道从哪查。",
        "现在的AI编程工具都长一个样：支持模型切换、中间件系统、能自己跑测试的智能代理。拼的是体验。",
        "代码评审成了新瓶颈：AI写代码的速度是以前的五倍，人审代码的速度还是一倍。",
        "传统编程和AI辅助编程的界限越来越模糊了，今年团队里一半的代码是AI先写初稿。",
    ),
    "architecture": (
        "DeepSeek 发了新的Transformer架构改进论文，动的是残差连接。大家都在堆算力，他们在改底层结构。{link}",
        "读完DeepSeek的新论文，最大的感受：Transformer还远没有到终点。",
        "DeepSeek 新架构如果能复现，今年上半年各家大概都会跟进。",
        "算力受限反而逼出了架构创新，DeepSeek就是最好的例子。",
        "混合架构（注意力+状态空间模型）今年会不会成为主流？我押会。",
    ),
    "inference": (
        "同样的效果，推理成本一年降了差不多十倍，价格战还会继续。",
        "推理效率才是2026年的主战场：量化、投机解码、KV缓存优化，每一项都能省下真金白银。",
        "H200 对大多数买家来说不是为了训练，是为了推理——141GB 显存能在一台机器上跑更大的模型。",
        "打开深度思考之后GPU账单直接翻了三倍，最后改成用户手动开启。推理模型的成本还是太高。",
        "小模型蒸馏才是干活主力，客服分类这种任务根本用不到旗舰模型。",
    ),
    "enterprise": (
        "企业AI：2025年是试点，2026年是采购、合规和审计。没那么好玩，但收入在这里。",
        "和一位CIO聊，他说：我不需要最聪明的模型，我需要法务能批的那个。",
        "企业落地最大的障碍不是模型，是数据散落在几十个系统里，权限一团乱。",
        "企业认知革命正在发生：会把工作交给模型的人，一个人顶一个小团队。",
    ),
    "competition": (
        "韩国科技部支持5家公司训练国产AI模型：LG、SK电讯、Naver、NC AI、Upstage。主权AI不只是口号。",
        "中美之外，韩国、日本、中东都在砸钱做自己的大模型，多极化的AI格局正在形成。",
        "H200 放开后，国内订单一下子涌出来。政策对市场的影响比任何模型发布都大。",
        "欧洲还在讨论监管细则，韩国已经一天发布多个千亿参数模型了。",
    ),
    "chips": (
        "字节跳动计划2026年投入140亿美元采购英伟达H200芯片。一家公司，一款芯片，140亿美元。{link}",
        "存储是2025年最强的AI交易，没有之一。HBM供不应求，三星和海力士赚麻了📈",
        "看空观点：存储是强周期行业，现在的估值已经把完美预期都算进去了，小心2018年重演。",
        "英伟达的逻辑很简单：只要大厂的资本开支不停，需求就在。但今年要关注政策风险。",
        "SK海力士一年涨了280%，一家内存公司！HBM彻底改变了存储行业的地位。",
        "AI算力需求增长太快，硬件公司估值一路走高。泡沫？也许，但订单是真的。",
        "台積電CoWoS產能還是瓶頸，今年AI晶片的定價權仍在供給方。",
        "三星、SK海力士2025年漲幅驚人，記憶體成了最強的AI交易，韓股KOSPI全年大漲。",
    ),
    "investment": (
        "朋友的AI初创公司2025年ARR翻了三倍，团队不到20人。AI原生公司的效率确实不一样。",
        "AI泡沫之争其实是两个问题：估值是不是太高（部分是），技术是不是真的（也是）。",
        "风投的问题变了：去年问你的AI战略是什么，今年问扣掉推理成本后的毛利率是多少。",
        "铁路和互联网都有过泡沫，但它们都改变了世界。AI大概率也是这个剧本。",
        "一些种子轮估值已经离谱了，没有产品就上亿美元。局部泡沫是肯定存在的。",
    ),
    "education": (
        "个性化学习喊了三十年，这次技术终于能以接近零的边际成本做到了。",
        "Learn Your Way 如果大规模有效，传统教辅行业要紧张了。78%对67%，差距不小。",
        "孩子让AI用“打篮球”的方式讲分数加减法，居然讲懂了。教育真的要变了。",
        "担心的点：学生习惯了按兴趣定制的内容，还能不能读下去一本普通的书？",
    ),
    "ethics": (
        "2026年“真实性”将变得无限可复制。深度伪造和AI生成的媒体会和真的一模一样，眼见不再为实。",
        "家里老人接到了“我”的语音电话要钱，是AI克隆的声音。大家赶紧和家人约定一个暗号。",
        "AI可能会让很多劳动变成可选项，社会需要做的是充分准备，而不是恐慌。",
        "检测深度伪造注定是军备竞赛，真正的解法是内容溯源。",
        "RAG不是文档越多越好，过了某个规模反而越来越差。“语义崩溃”这个词起得很准。",
    ),
    "research": (
        "RLM思路很妙：与其无限加长上下文窗口，不如让模型自己决定看哪里。可能是解决上下文限制的新路子。",
        "新论文：少量的人类提示就能帮助前沿模型解决原本做不出来的IMO级别难题。人机协作还是比纯AI强。",
        "有一篇关于AI代理交易行为的理论研究，讨论当市场参与者大多是AI代理时会出现什么均衡，很有意思。",
        "2026年最期待的是AI加速科学研究：材料、蛋白质、数学。比聊天机器人重要得多。",
        "具身智能今年会有大进展，叠衣服可能会成为机器人领域的hello world。",
    ),
    "skills": (
        "Claude Skills 的思路很对：把指令和脚本打包成技能，需要时才加载。估计其他家很快会跟进。",
        "花了一个假期把Claude Skills的39篇指南看完，处理表格和PDF那几篇最实用。",
        "提示词是一次性的，技能是可复用、可版本管理、可团队共享的。这是质的区别。",
    ),
    "outlook": (
        "2026年预测：\n1. 企业级Agent普及\n2. 代码生成成为核心基准\n3. 开源追平闭源\n4. 机器人迎来ChatGPT时刻",
        "假期睡了几天，醒来多了三个新模型和一篇新架构论文。AI圈的正常一周。",
        "新年快乐！2026年继续学习、继续构建。",
        "2025年最大的感受：跟不上是常态，重要的是每周都动手做点东西。",
    ),
    "general": (
        "现在每天切换好几个模型用：写代码一个，写文案一个，查资料一个，已经习惯了。",
        "聊天框可能只是过渡形态，两年后大部分AI使用场景不会长得像聊天。",
        "爸妈现在用AI比我还多，语音模式对老人太友好了。",
        "2025年用得最多的AI功能居然是会议纪要，不酷但每天都有用。",
        "国产大模型这一年进步太快了，DeepSeek、通义千问、Kimi、智谱轮流刷屏。",
        "2026年会是Agent之年吗？去年也是这么说的😂",
        "医院朋友说现在影像科AI预读已经是标配，医生复核，出报告从几天缩短到几小时。",
        "AI在法律行业落地比想象中快，常规合同审查基本可以交给模型初审了。",
        "用AI工具做了一个三分钟的动画短片，除了剧本全是AI生成，家人看哭了。",
        "农民用手机拍照让模型诊断作物病害，这才是AI真正的普惠。",
    ),
}


@dataclass(frozen=True)
class Viral:
    """An original that spread: fixed author and counts, and how many retweets of it we saw."""

    handle: str
    name: str
    lang: str
    text: str
    likes: int
    retweets: int
    replies: int
    seen_retweets: int


VIRAL: tuple[Viral, ...] = (
    Viral(
        "openweights_oli",
        "Oli Brandt",
        "en",
        "Closed wins early. Open wins eventually.\n\nHappened with operating systems, databases, browsers and web servers. It will happen with AI too.",
        8412,
        1530,
        402,
        9,
    ),
    Viral(
        "tessa_ships",
        "Tessa Lindqvist",
        "en",
        "A year in AI is a decade anywhere else. If you took 2025 off, you're not one year behind. You're ten.",
        5630,
        912,
        288,
        7,
    ),
    Viral(
        "kwame_learns",
        "Kwame Osei",
        "en",
        "The technical vs non-technical divide doesn't make sense in a world where knowledge and intelligence are commodities. The new divide is between people who learn and build, and people who don't.",
        6971,
        1204,
        517,
        8,
    ),
    Viral(
        "seoul_semis",
        "Jiwoo Han | semis",
        "en",
        "The 4 best performing S&P 500 stocks of 2025 were all memory/storage makers. Meanwhile Samsung +124%, SK Hynix +280%, and the Kospi +76% for the year. Memory was THE AI trade. $MU $SNDK $WDC $STX",
        4388,
        1011,
        236,
        7,
    ),
    Viral(
        "edtech_ravi",
        "Ravi Menon",
        "en",
        "Google Research's Learn Your Way rewrites textbooks around each student's interests. In their study students scored 78% on a retention test vs 67% with a standard textbook. That's a big gap. {link}",
        3175,
        644,
        131,
        5,
    ),
    Viral(
        "rag_in_prod",
        "Mei Tanaka",
        "en",
        "Stanford researchers describe 'semantic collapse': once a knowledge base passes a critical size, RAG retrieval starts failing badly because everything looks alike in embedding space. If you run RAG at scale, read this. {link}",
        2894,
        702,
        164,
        5,
    ),
    Viral(
        "prompt_shelf",
        "Prompt Shelf",
        "en",
        "Anthropic's Claude Skills library is a goldmine: 39 deep guides on how to actually use Claude for real work. Bookmark this 🔖 {link}",
        3960,
        811,
        97,
        6,
    ),
    Viral(
        "yoon_ai_policy",
        "Yoon Seo-yeon",
        "en",
        "Korean firms released more 100B+ parameter models in a single day than the EU or the US did in the whole year. Wild stat. {link}",
        2517,
        598,
        203,
        5,
    ),
    Viral(
        "suanli_laozhang",
        "算力老张",
        "zh",
        "封闭系统早期获胜，开放系统最终获胜。操作系统、数据库、浏览器都是这样，AI大概率也一样。",
        3320,
        706,
        188,
        6,
    ),
    Viral(
        "chen_xiaoyu_ai",
        "陈小雨在学AI",
        "zh",
        "技术与非技术的划分，在知识和智能商品化的世界里已经不适用了。新的划分是：会学习、会构建的人，和不会的人。",
        2761,
        530,
        144,
        5,
    ),
    Viral(
        "xinpian_wang",
        "芯片老王",
        "zh",
        "2025年标普500涨幅最大的4只股票全是存储/内存厂商。三星+124%，SK海力士+280%，KOSPI全年+76%，全球主要股指第一。存储才是这轮AI行情的主角。",
        2140,
        485,
        120,
        5,
    ),
    Viral(
        "moxing_yehua",
        "模型夜话",
        "zh",
        "斯坦福研究提出“语义崩溃”：知识库规模超过临界点后，RAG检索会出现致命缺陷，所有内容在向量空间里看起来都差不多。做大规模知识问答的一定要看。{link}",
        1688,
        402,
        77,
        4,
    ),
    Viral(
        "ai_jiaoyu_lin",
        "AI教育研究·林",
        "zh",
        "Google Research 推出 Learn Your Way，能根据每个学生的兴趣重写教科书。测试里使用该系统的学生保留测试得分78%，对照组67%。{link}",
        1502,
        366,
        58,
        4,
    ),
    Viral(
        "han_yu_tech",
        "韩语科技圈",
        "zh",
        "韩国企业一天之内发布了好几个100B+参数的大模型，数量超过欧盟或美国全年。全球竞争格局真的变了。",
        1310,
        297,
        86,
        3,
    ),
    Viral(
        "paperpilot",
        "Paper Pilot",
        "en",
        "MIT CSAIL's recursive language models (RLM) let a model manage its own context: it calls itself on slices of a huge input instead of stuffing it all into one window. Strong results on long-horizon tasks. {link}",
        1944,
        455,
        71,
        3,
    ),
)

# Retweets of originals posted before the window opened: the original is not in the file.
EARLIER_ORIGINALS: tuple[tuple[str, str, str, int], ...] = (
    (
        "ai_news_wire",
        "en",
        "Year in review: 2025 was the year AI agents left the demo stage. Our 12 biggest stories {link}",
        214,
    ),
    (
        "keji_kuaixun",
        "zh",
        "回顾2025：大模型开源浪潮、Agent落地、算力军备竞赛。年度十大AI事件 {link}",
        156,
    ),
    (
        "gpu_girl_nyc",
        "en",
        "2025 in one chart: hyperscaler capex went vertical and the memory makers caught the whole wave $MU $NVDA",
        389,
    ),
)

# The same story told by several accounts, with their own links and wording.
NEWS_GROUPS: tuple[tuple[tuple[str, str], ...], ...] = (
    (
        ("en", "ByteDance plans to spend $14B on Nvidia H200 chips in 2026, per report {link}"),
        ("en", "ByteDance reportedly plans $14 billion of Nvidia H200 purchases in 2026 {link}"),
        ("en", "Report: ByteDance to spend $14B on Nvidia H200s in 2026 $NVDA {link}"),
        ("zh", "字节跳动计划2026年斥资140亿美元采购英伟达H200 {link}"),
        ("zh", "据报道，字节跳动2026年将投入140亿美元购买英伟达H200芯片 {link}"),
    ),
    (
        (
            "en",
            "Chinese companies have ordered more than 2 million Nvidia H200 chips for 2026, sources say {link}",
        ),
        ("en", "Chinese tech firms order over 2M H200 chips for 2026 – report $NVDA {link}"),
        ("zh", "中国企业已为2026年订购超过200万块H200芯片 {link}"),
    ),
    (
        (
            "en",
            "South Korean companies unveiled several 100B+ parameter AI models in a single day, more than the EU or the US released all year {link}",
        ),
        (
            "en",
            "Korea released more 100B+ models in one day than the EU or US did in a year {link}",
        ),
        ("zh", "韩国企业一天发布多个100B+参数大模型，超过欧盟或美国全年发布数量 {link}"),
    ),
    (
        (
            "en",
            "Samsung +124%, SK Hynix +280%, Kospi +76% in 2025. The best-performing major index in the world. {link}",
        ),
        (
            "en",
            "2025: Samsung up 124%, SK Hynix up 280%, Kospi up 76%. Memory ran the table. {link}",
        ),
        ("zh", "三星+124%，SK海力士+280%，KOSPI全年+76%，2025年全球表现最好的主要股指 {link}"),
    ),
    (
        (
            "en",
            "Google Research introduces Learn Your Way, an AI system that reimagines textbooks for each learner. Retention test: 78% vs 67%. {link}",
        ),
        (
            "en",
            "Google's Learn Your Way: personalised textbooks, 78% vs 67% on retention tests {link}",
        ),
        ("zh", "Google Research发布Learn Your Way：AI个性化重写教科书，保留测试78%对67% {link}"),
    ),
    (
        ("en", "IQuest Labs releases a 40B-parameter code LLM {link}"),
        (
            "en",
            "New open code model from IQuest Labs: 40B parameters, strong on coding benchmarks {link}",
        ),
        ("zh", "IQuest Labs发布40B参数代码大模型 {link}"),
    ),
    (
        ("en", "Anthropic's Claude Skills library: 39 in-depth guides {link}"),
        ("en", "Claude Skills resource library is out, 39 deep-dive guides on using Claude {link}"),
        ("zh", "Anthropic 推出 Claude Skills 资源库，包含39个深度使用指南，建议收藏 {link}"),
    ),
    (
        ("en", "DeepSeek publishes new paper improving the Transformer architecture {link}"),
        ("en", "DeepSeek kicks off 2026 with an architecture paper on residual connections {link}"),
        ("zh", "DeepSeek发布新论文，改进Transformer架构 {link}"),
        ("zh", "DeepSeek 新年第一篇论文：改进Transformer残差连接 {link}"),
    ),
    (
        (
            "en",
            "Google launches Gemini Code Wiki: turn any GitHub URL into interactive documentation {link}",
        ),
        ("en", "Gemini Code Wiki generates interactive docs from a GitHub URL {link}"),
    ),
    (
        ("en", "MIT CSAIL: recursive language models let LLMs manage their own context {link}"),
        (
            "zh",
            "MIT CSAIL 提出递归语言模型（RLM），让模型学会管理自己的上下文，长时域任务表现明显提升 {link}",
        ),
    ),
    (
        ("en", "AGI Mobile launches a phone AI assistant that operates your apps for you {link}"),
        ("zh", "AGI Mobile 推出能实际操控手机应用的AI助手 {link}"),
    ),
)

# Replies: (the handle replied to, language, text after the mention).
REPLIES: tuple[tuple[str, str, str], ...] = (
    (
        "openweights_oli",
        "en",
        "Linux took about 10 years to win the server. What's your timeline for AI?",
    ),
    (
        "openweights_oli",
        "en",
        "Disagree. Frontier training runs cost too much for open to catch up at the very top.",
    ),
    ("openweights_oli", "en", "Databases are a great example. Oracle still prints money though 😄"),
    (
        "tessa_ships",
        "en",
        "This is exactly how it feels. I blinked in October and missed two model generations.",
    ),
    (
        "kwame_learns",
        "en",
        "Strongly agree. Our best 'engineer' this year is a former teacher who learned to build with Claude.",
    ),
    (
        "kwame_learns",
        "en",
        "This is elitism with extra steps. Not everyone has time to 'learn and build' after a 10h shift.",
    ),
    ("seoul_semis", "en", "Kospi +76% is insane. Anyone held Korean ETFs through all of this?"),
    ("seoul_semis", "en", "and people called memory boring for a decade"),
    (
        "edtech_ravi",
        "en",
        "Was the study randomized? 78 vs 67 is big but I'd like to see the sample size.",
    ),
    (
        "rag_in_prod",
        "en",
        "We hit this at ~2M chunks. Hybrid search with BM25 plus a reranker helped a lot.",
    ),
    ("prompt_shelf", "en", "Thanks for sharing, the spreadsheet one is great"),
    (
        "yoon_ai_policy",
        "en",
        "Parameter count isn't quality though. Let's see the evals before we celebrate.",
    ),
    ("paperpilot", "en", "Is there code? Would love to try RLM on our long-document QA set."),
    ("suanli_laozhang", "zh", "同意，开源最终会赢，但时间可能比大家想得长。"),
    ("suanli_laozhang", "zh", "数据库这个例子举得好，不过甲骨文现在也还活得挺好😂"),
    ("chen_xiaoyu_ai", "zh", "说得太对了，我们公司做得最好的“工程师”是一位转行的老师。"),
    ("xinpian_wang", "zh", "存储这轮是真的猛，海力士拿了一年的都赚翻了"),
    (
        "moxing_yehua",
        "zh",
        "语义崩溃我们也遇到过，文档过百万之后召回质量明显下降，加了关键词检索才好一些。",
    ),
    ("ai_jiaoyu_lin", "zh", "样本量多大？78对67差距挺大，想看看论文细节。"),
    ("han_yu_tech", "zh", "韩国这波确实没想到，政府和企业配合得很好。"),
    ("prompt_shelf", "zh", "求中文版🙏"),
)

# Written to look like what people try on pipelines that render tweets into web pages.
HOSTILE: tuple[tuple[str, str], ...] = (
    (
        "en",
        "Jekyll tip for people auto-posting AI summaries: if your post literally shows {{ site.time }} instead of a date, your Liquid got escaped twice. Ask me how I know 😅 #AI",
    ),
    (
        "en",
        "Prompt injection in the wild: someone hid {% include evil.html %} in a README and an AI blog pipeline rendered it straight into the site. Sanitize model output, folks.",
    ),
    (
        "en",
        'Asked the new 40B code model for an XSS example and it happily produced <script>alert("x")</script> with zero caveats. Useful for pentesters, I guess.',
    ),
    (
        "en",
        "Gemini Code Wiki rendered a repo README containing <img src=x onerror=alert(1)> as raw HTML in the generated docs 🙃 reported it #security #AI",
    ),
    (
        "en",
        "AI chat UIs still render [click me](javascript:alert(1)) as a live link sometimes. Agents that read markdown = brand new attack surface.",
    ),
    ("en", "# BREAKING: **DeepSeek** just dropped a new Transformer paper and it's **big** 🚨"),
    (
        "en",
        "---\nlayout: pwned\n---\nIf an LLM writes your blog's front matter, this tweet is your threat model. #AIsecurity",
    ),
    (
        "zh",
        '把模型输出直接渲染成HTML是大坑：<iframe src="//evil.example"></iframe> 这种都能混进来，记得转义。#AI安全',
    ),
)

OFF_TOPIC_EN: tuple[str, ...] = (
    "Snow day in Chicago. Staying in with soup and a book. Perfect start to the year ❄️",
    "New year's resolution #1: stop doomscrolling at 1am. Currently 1:14am.",
    "That overtime finish last night 😤 the refs should be ashamed",
    "Made dumplings from scratch for the first time. Ugly but delicious 🥟",
    "Gym is PACKED today. Give it three weeks.",
    "Anyone know a good plumber in north Austin? Pipe burst during the freeze.",
    "Running streak day 2 of 365. Let's see how long this lasts.",
    "My cat knocked the last ornament off the tree this morning. She's been planning this for weeks.",
    "Flight delayed 4 hours at O'Hare. Airport sushi it is.",
    "Finally took the tree down. The needles will be in the carpet until July.",
    "Best pizza in New Haven debate starts now. Wrong answers only.",
    "Rain again in London. Shocking absolutely no one ☔",
    "Started a 1000-piece puzzle. 40 pieces in. Send help.",
    "Happy new year from a very tired parent of a toddler who does not believe in sleeping in",
    "Bills game Sunday. Already nervous.",
    "Tried the viral baked oats recipe. It's cake. It's just cake for breakfast and I'm fine with that.",
    "Library books due today and I've read exactly none of them.",
    "Coffee shop still playing Christmas music on January 2nd. Respect the commitment.",
    "Power's out on our whole street. Writing this on 8% battery.",
    "Ski trip cancelled, no snow. In January. In Vermont.",
    "Is it too early to start planning summer vacation? Asking for me.",
    "Grandma's lentil soup recipe, finally written down. Family treasure.",
    "Arsenal fans, how are we feeling today",
    "Watched 3 movies yesterday, all sequels, all worse than the originals.",
    "Declared email bankruptcy: 14,000 unread → 0. Best decision of the year so far.",
    "the way my dog looks at me when I put on running shoes >>>",
)

OFF_TOPIC_ZH: tuple[str, ...] = (
    "元旦假期结束，上班的心情比天气还冷🥶",
    "北京今天零下10度，出门五分钟手就冻僵了",
    "火锅配冰可乐，冬天的快乐就这么简单🍲",
    "新年第一个目标：每天跑步5公里。今天完成了，明天再说😂",
    "春运抢票开始了，祝大家都能抢到票回家",
    "猫主子把我新买的毛线团全拆了，新年快乐😾",
    "上海今天下小雨，湿冷湿冷的",
    "健身房人爆满，新年新气象，过两周就好了",
    "妈妈包的饺子永远是最好吃的🥟",
    "又到了立flag的季节：今年要读完24本书",
    "昨晚CBA那场太精彩了，加时赛绝杀！",
    "早上地铁挤得像沙丁鱼罐头",
)

# Language-less noise: real exports label these "und".
UNDETERMINED: tuple[str, ...] = ("🔥🔥🔥 {link}", "😂😂😂")

# (handle, name, lang, text): bots posting the same bait, each with its own link.
SPAM: tuple[tuple[str, str, str, str], ...] = (
    (
        "win_big_daily",
        "🎁 Daily Giveaways",
        "en",
        "🎁 GIVEAWAY 🎁 Win a brand new iPhone 17 Pro Max! Follow + RT + tag 3 friends. Winner picked in 24h! #giveaway #free {link}",
    ),
    (
        "prizes4u_2026",
        "Prizes 4 U",
        "en",
        "🎁 GIVEAWAY 🎁 Win a brand new iPhone 17 Pro Max! Follow + RT + tag 3 friends. Winner picked in 24h! #giveaway {link}",
    ),
    (
        "fb_100_percent",
        "Follow Back 💯",
        "en",
        "Follow back 100% guaranteed!! #followback #F4F #teamfollowback",
    ),
    (
        "remote_income_ai",
        "Work From Home 💸",
        "en",
        "DM me to earn $500/day working from home with AI, no experience needed 💰💰💰 limited spots!!",
    ),
    (
        "grow_fast_now",
        "Grow Fast",
        "en",
        "Get 10K real followers in 24 hours ➡️ {link} #growth #followers",
    ),
    (
        "free_ai_accts",
        "Free AI Accounts",
        "en",
        "🔥FREE ChatGPT Plus + Claude Pro accounts🔥 DM me now before they're gone!! {link}",
    ),
    (
        "fuye_rizhuan",
        "副业导师",
        "zh",
        "私信我，日赚500+，AI副业，宝妈学生都能做，名额有限！！",
    ),
    ("ai_kecheng_free", "AI课程免费领", "zh", "加V领取AI课程全套资料，限时免费！！！ {link}"),
)

NEWS_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("ai_news_wire", "AI News Wire", "en"),
    ("technews_flash", "TechNews Flash", "en"),
    ("semis_daily", "Semis Daily", "en"),
    ("mkt_headlines", "Market Headlines", "en"),
    ("keji_kuaixun", "科技快讯", "zh"),
    ("ai_ribao", "AI日报", "zh"),
    ("caijing_zaobao", "财经早报", "zh"),
)

EN_FIRST = (
    "dana", "priya", "tomas", "lena", "jules", "omar", "kenji", "sofia", "nadia", "ben",
    "alexis", "marco", "yuki", "chloe", "ines", "theo", "maya", "noor", "felix", "hana",
    "luca", "zoe", "arjun", "ella", "kai", "rosa", "ivan", "amara", "leo", "nina",
)  # fmt: skip
EN_SUFFIX = ("_ai", "_ml", "builds", "codes", "_dev", "ships", "_vc", "_data", "writes", "_gpu")
EN_LAST = "ABCDFGHJKLMNOPRSTVWZ"
EN_TAGS = (
    "",
    "",
    "",
    " | ML eng",
    " · building agents",
    " (views my own)",
    " 🇨🇦",
    " | PM",
    " — investor",
)
ZH_PINYIN = (
    "xiaolin", "wangchen", "liyang", "zhaomin", "chenjie", "huanglei", "zhouyu", "sunhao",
    "wuting", "linfeng", "gaoyan", "hezhi", "songqi", "tangwei", "fengxue", "yuhang",
)  # fmt: skip
ZH_SUFFIX = ("_ai", "ml", "_tech", "2026", "_dev", "_lab", "88")
ZH_NAMES = (
    "算力观察", "代码搬运工", "AI小林", "硅基笔记", "陈同学", "产品经理阿杰", "周末炼丹师",
    "深度学习日记", "大模型观察员", "数据民工", "半导体研究狗", "投资笔记小赵", "程序员老孙",
    "科技早知道", "提示词工程师", "开源爱好者", "硬核科技说", "量化小白", "前端阿伟", "教育观察者",
)  # fmt: skip

EN_HASHTAGS = ("#AI", "#LLM", "#GenAI", "#AIagents", "#MachineLearning")
ZH_HASHTAGS = ("#人工智能", "#大模型", "#AI")
LINK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


# ------------------------------------------------------------------------------ the stories

# Which story each tweet tells: the ground truth ``bench/bench_stories.py`` scores the clustering
# against. A story is the tweets that report or react to one event, claim or debate, in any
# wording or language; a tweet belongs to one when it names the story's subject (the product,
# paper, company move or figure). Texts are matched by their opening (a retweet's after its
# "RT @x: " prefix); a reply belongs to the story of the viral tweet it answers. Every text not
# listed here is a story of its own (``solo:`` and its opening).
STORIES: dict[str, tuple[str, ...]] = {
    "memory-stocks": (
        "The 4 best performing S&P 500 stocks", "2025年标普500涨幅最大的4只股票",
        "Samsung +124%, SK Hynix +280%", "2025: Samsung up 124%", "三星+124%，SK海力士+280%",
        "Kospi +76% in 2025", "SK Hynix +280% in a year", "Samsung +124% in 2025 after",
        "SK海力士一年涨了280%", "三星、SK海力士2025年漲幅", "存储是2025年最强的AI交易",
        "Storage makers outperforming Nvidia",
    ),
    "learn-your-way": (
        "Google Research's Learn Your Way", "Google Research 推出 Learn Your Way",
        "Google Research introduces Learn Your Way", "Google's Learn Your Way",
        "Google Research发布Learn Your Way", "Learn Your Way takes a textbook",
        "78% vs 67% on retention", "Teachers in my feed are split on Learn Your Way",
        "Learn Your Way 如果大规模有效",
    ),
    "claude-skills": (
        "Anthropic's Claude Skills library", "Claude Skills resource library",
        "Anthropic 推出 Claude Skills", "Spent the holiday going through the Claude Skills",
        "Claude Skills is the right abstraction", "If you use Claude daily and haven't looked",
        "Claude Skills 的思路很对", "花了一个假期把Claude Skills",
    ),
    "iquest-40b": (
        "IQuest Labs releases a 40B", "New open code model from IQuest Labs", "IQuest Labs发布40B",
        "IQuest Labs just dropped", "A 40B code model I can run", "Tried the new 40B code model",
        "A 40B model beating much larger", "IQuest Labs 发布了40B", "40B 的代码模型在几个代码基准",
        "Asked the new 40B code model",
    ),
    "deepseek-transformer": (
        "DeepSeek publishes new paper", "DeepSeek kicks off 2026", "DeepSeek发布新论文",
        "DeepSeek 新年第一篇论文", "DeepSeek published new work", "While everyone else scales, DeepSeek",
        "The DeepSeek paper is a good reminder", "DeepSeek's new paper: training stability",
        "DeepSeek 发了新的Transformer", "读完DeepSeek的新论文", "DeepSeek 新架构如果能复现",
        "算力受限反而逼出了架构创新", "# BREAKING: **DeepSeek**",
    ),
    "gemini-code-wiki": (
        "Google launches Gemini Code Wiki", "Gemini Code Wiki generates", "Gemini Code Wiki: paste",
        "Generated docs from a GitHub URL", "Gemini Code Wiki 太方便了", "Gemini Code Wiki rendered",
    ),
    "gemini-interactive-images": (
        "Gemini's interactive images", "ok the Gemini interactive image", "Tried the interactive image mode",
        "Gemini made me an interactive map", "Gemini 的交互式图片", "用Gemini生成了一张可交互",
        "多模态今年最大的变化：图片不再只是看",
    ),
    "agi-mobile": (
        "AGI Mobile launches", "AGI Mobile 推出", "AGI Mobile's phone agent",
        "Tried the AGI Mobile agent", "AGI Mobile 的手机助手",
    ),
    "mit-rlm": (
        "MIT CSAIL's recursive language models (RLM) let", "MIT CSAIL: recursive language models",
        "MIT CSAIL 提出递归语言模型", "MIT CSAIL's recursive language models (RLM): the model",
        "RLMs are a neat idea", "RLM思路很妙",
    ),
    "semantic-collapse": (
        "Stanford researchers describe 'semantic collapse'", "斯坦福研究提出“语义崩溃”",
        "Semantic collapse explains", "The RAG crowd needs to hear this", "RAG不是文档越多越好",
    ),
    "imo-hints": (
        "New paper: small human hints", "The 'small hints' IMO paper", "新论文：少量的人类提示",
    ),
    "bytedance-h200": (
        "ByteDance plans to spend $14B on Nvidia H200 chips", "ByteDance reportedly plans $14 billion",
        "Report: ByteDance to spend $14B", "字节跳动计划2026年斥资140亿美元", "据报道，字节跳动2026年",
        "ByteDance plans to spend $14B on Nvidia H200s", "$NVDA bulls have a simple case",
        "字节跳动计划2026年投入140亿美元",
    ),
    "h200-orders": (
        "Chinese companies have ordered more than 2 million", "Chinese tech firms order over 2M",
        "中国企业已为2026年订购超过200万块", "Chinese firms have reportedly ordered more than 2 million",
        "2M H200 orders from China", "Export rules on the H200 loosened", "H200 放开后，国内订单",
    ),
    "korea-100b-models": (
        "Korean firms released more 100B+", "韩国企业一天之内发布了好几个100B+",
        "South Korean companies unveiled", "Korea released more 100B+", "韩国企业一天发布多个100B+",
        "欧洲还在讨论监管细则，韩国",
    ),
    "korea-five-labs": ("Korea's science ministry is backing", "韩国科技部支持5家公司"),
    "closed-early-open-eventually": (
        "Closed wins early. Open wins eventually.", "封闭系统早期获胜，开放系统最终获胜",
        "Most technology starts closed and ends up open", "Counterpoint to 'open wins eventually'",
        "大多数技术都是从封闭开始",
    ),
    "a-year-in-ai": ("A year in AI is a decade",),
    "learn-and-build": (
        "The technical vs non-technical divide", "技术与非技术的划分",
        "AI is turning 'I'm not technical'",
    ),
    "ai-bubble": (
        "Is it a bubble? Probably in parts", "The AI bubble debate is really", "Every AI bubble thread",
        "Seed rounds at $100M+", "AI泡沫之争其实是两个问题", "铁路和互联网都有过泡沫", "一些种子轮估值已经离谱了",
    ),
    "tsmc-cowos": ("$TSM: CoWoS capacity", "台積電CoWoS產能"),
    "vibe-coding": (
        "Vibe coding went from meme", "Vibe coding is great until", "#vibecoding confession",
        "Vibe coding（氛围编程）火了一年", "氛围编程最大的坑", "Non-programmer friend built",
    ),
    "robots-fold-laundry": ("Robotics prediction for 2026", "具身智能今年会有大进展"),
    "predictions-2026": ("2026 predictions, quick:", "2026年预测："),
    "spam-giveaway": ("🎁 GIVEAWAY 🎁 Win a brand new iPhone",),
}  # fmt: skip
STORIES_OUT = OUT.with_name("stories-2026-01-02.csv")
_REPLY_STORY = {
    "openweights_oli": "closed-early-open-eventually", "suanli_laozhang": "closed-early-open-eventually",
    "tessa_ships": "a-year-in-ai", "kwame_learns": "learn-and-build", "chen_xiaoyu_ai": "learn-and-build",
    "seoul_semis": "memory-stocks", "xinpian_wang": "memory-stocks", "edtech_ravi": "learn-your-way",
    "ai_jiaoyu_lin": "learn-your-way", "rag_in_prod": "semantic-collapse",
    "moxing_yehua": "semantic-collapse", "prompt_shelf": "claude-skills",
    "yoon_ai_policy": "korea-100b-models", "han_yu_tech": "korea-100b-models", "paperpilot": "mit-rlm",
}  # fmt: skip


def story_of(text: str) -> str:
    """The story a tweet's text tells (see ``STORIES``)."""
    body = text.split(": ", 1)[1] if text.startswith("RT @") else text
    if body.startswith("@"):
        handle = body[1:].split(" ", 1)[0]
        if handle in _REPLY_STORY:
            return _REPLY_STORY[handle]
    for label, openings in STORIES.items():
        if body.startswith(openings):
            return label
    return "solo:" + " ".join(body.split())[:60].rstrip("…")


def render_stories(seed: int = SEED) -> bytes:
    """The sidecar: ``id,story`` for every well-formed row of the CSV, in the CSV's order."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(("id", "story"))
    seen: set[str] = set()
    for fields in build_rows(seed):
        if _kind(fields, seen) == "":
            writer.writerow((fields[0], story_of(fields[4])))
        if fields:
            seen.add(fields[0])
    return buf.getvalue().encode("utf-8")


# ------------------------------------------------------------------------------ the rows


@dataclass(frozen=True)
class Tweet:
    """One well-formed row of the export."""

    id: str
    created_at: datetime
    username: str
    name: str
    text: str
    lang: str
    likes: int
    retweets: int
    replies: int
    quotes: int
    views: int

    def row(self) -> list[str]:
        """The CSV fields, in ``COLUMNS`` order."""
        return [
            self.id,
            self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            self.username,
            self.name,
            self.text,
            self.lang,
            str(self.likes),
            str(self.retweets),
            str(self.replies),
            str(self.quotes),
            str(self.views),
        ]


class Builder:
    """Draws authors, times, ids, links and counts from one seeded generator."""

    def __init__(self, seed: int) -> None:
        # Reproducible sample data, not security: a seeded PRNG is the point.
        self.rng = random.Random(seed)  # noqa: S311
        self.ids: set[str] = set()
        self.en_authors = self._authors_en()
        self.zh_authors = self._authors_zh()

    def _authors_en(self) -> list[tuple[str, str]]:
        rng = self.rng
        combos = [(f, s) for f in EN_FIRST for s in EN_SUFFIX]
        authors = []
        for first, suffix in rng.sample(combos, 120):
            handle = first + suffix + (str(rng.randint(2, 99)) if rng.random() < 0.3 else "")
            name = f"{first.capitalize()} {rng.choice(EN_LAST)}.{rng.choice(EN_TAGS)}"
            authors.append((handle, name))
        return authors

    def _authors_zh(self) -> list[tuple[str, str]]:
        rng = self.rng
        combos = [(p, s) for p in ZH_PINYIN for s in ZH_SUFFIX]
        return [(p + s, rng.choice(ZH_NAMES)) for p, s in rng.sample(combos, 70)]

    def author(self, lang: str) -> tuple[str, str]:
        """A (handle, name) for a tweet in ``lang``; a few accounts post much more than most."""
        pool = self.zh_authors if lang == "zh" else self.en_authors
        weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(pool))]
        return self.rng.choices(pool, weights)[0]

    def link(self) -> str:
        """A fresh t.co short link."""
        return "https://t.co/" + "".join(self.rng.choices(LINK_ALPHABET, k=10))

    def fill(self, text: str) -> str:
        """``text`` with each ``{link}`` replaced by its own link."""
        while "{link}" in text:
            text = text.replace("{link}", self.link(), 1)
        return text

    def time(self, lang: str, *, before_hour: int = 24) -> datetime:
        """A posting time on the day, drawn by the language's hourly activity."""
        weights = ZH_HOURS if lang == "zh" else EN_HOURS
        hour = self.rng.choices(range(before_hour), weights[:before_hour])[0]
        return DAY_START + timedelta(hours=hour, seconds=self.rng.randrange(3600))

    def later(self, start: datetime) -> datetime:
        """A time after ``start`` (retweets trail their original), still on the day."""
        room = (DAY_END - start).total_seconds()
        delay = 30 + self.rng.expovariate(1 / 5400)
        if delay >= room:
            delay = self.rng.uniform(min(30.0, room / 2), room)
        return start + timedelta(seconds=int(delay))

    def tweet_id(self, at: datetime) -> str:
        """A unique snowflake id for a tweet posted at ``at``."""
        while True:
            ms = int(at.timestamp() * 1000) + self.rng.randrange(1000)
            tid = str(((ms - SNOWFLAKE_EPOCH_MS) << 22) | self.rng.getrandbits(22))
            if tid not in self.ids:
                self.ids.add(tid)
                return tid

    def counts(self) -> tuple[int, int, int, int, int]:
        """Likes, retweets, replies, quotes, views for an ordinary tweet: mostly few."""
        rng = self.rng
        likes = min(int(rng.lognormvariate(1.3, 1.4)), 950)
        retweets = int(likes * rng.uniform(0.02, 0.25))
        replies = int(likes * rng.uniform(0.0, 0.12)) + (rng.random() < 0.3)
        quotes = int(likes * rng.uniform(0.0, 0.04))
        views = int(likes * rng.uniform(35, 140)) + rng.randint(12, 600)
        return likes, retweets, replies, quotes, views

    def original(
        self,
        lang: str,
        text: str,
        *,
        author: tuple[str, str] | None = None,
        when: datetime | None = None,
    ) -> Tweet:
        """An ordinary original tweet."""
        handle, name = author or self.author(lang)
        at = when or self.time(lang)
        likes, retweets, replies, quotes, views = self.counts()
        return Tweet(
            self.tweet_id(at), at, handle, name, self.fill(text), lang,
            likes, retweets, replies, quotes, views,
        )  # fmt: skip

    def retweet(self, of: str, lang: str, text: str, retweet_count: int, at: datetime) -> Tweet:
        """A retweet row as exports have it: 'RT @x: …', the original's retweets, no likes."""
        rt = f"RT @{of}: {text}"
        # Exports cut long retweets at 140 characters; here about a third of the long ones are cut.
        if len(rt) > 140 and self.rng.random() < 0.3:
            rt = rt[:139].rstrip() + "…"
        handle, name = self.author(lang)
        return Tweet(self.tweet_id(at), at, handle, name, rt, lang, 0, retweet_count, 0, 0, 0)


def _decorate(b: Builder, lang: str, text: str) -> str:
    """Sometimes append a hashtag, as people do."""
    if "#" in text or b.rng.random() > 0.18:
        return text
    return f"{text} {b.rng.choice(ZH_HASHTAGS if lang == 'zh' else EN_HASHTAGS)}"


def _well_formed(b: Builder) -> tuple[list[Tweet], list[Tweet]]:
    """Every valid row, and the viral originals among them."""
    rng = b.rng
    tweets: list[Tweet] = []
    for lang, themes in (("en", EN), ("zh", ZH)):
        for texts in themes.values():
            tweets += [b.original(lang, _decorate(b, lang, t)) for t in texts]
    n_themed = len(tweets)

    virals: list[Tweet] = []
    for v in VIRAL:
        # Viral posts come early enough in the day for their retweets to follow.
        at = b.time(v.lang, before_hour=16)
        quotes = v.retweets // 9
        views = v.likes * rng.randint(60, 140)
        orig = Tweet(
            b.tweet_id(at), at, v.handle, v.name, b.fill(v.text), v.lang,
            v.likes, v.retweets, v.replies, quotes, views,
        )  # fmt: skip
        virals.append(orig)
        tweets += [
            b.retweet(v.handle, v.lang, orig.text, v.retweets, b.later(at))
            for _ in range(v.seen_retweets)
        ]

    for handle, lang, text, count in EARLIER_ORIGINALS:
        filled = b.fill(text)
        tweets += [b.retweet(handle, lang, filled, count, b.time(lang)) for _ in range(2)]

    # Some ordinary tweets get a retweet too; the retweet is counted on the original.
    for i in sorted(rng.sample(range(n_themed), 18)):
        tweets[i] = orig = replace(tweets[i], retweets=max(tweets[i].retweets, 1))
        tweets.append(
            b.retweet(orig.username, orig.lang, orig.text, orig.retweets, b.later(orig.created_at))
        )

    for group in NEWS_GROUPS:
        first_at = b.time("en", before_hour=20)
        for lang, text in group:
            at = b.later(first_at)
            tweets.append(b.original(lang, text, author=_news_or_person(b, lang), when=at))
        # A headline bot re-posts the first wording with another link.
        lang, text = group[0]
        bot = rng.choice([a for a in NEWS_ACCOUNTS if a[2] == lang])
        tweets.append(b.original(lang, text, author=(bot[0], bot[1]), when=b.later(first_at)))

    by_handle = {v.handle: o for v, o in zip(VIRAL, virals, strict=True)}
    for to, lang, text in REPLIES:
        tweets.append(b.original(lang, f"@{to} {text}", when=b.later(by_handle[to].created_at)))

    hostile = [b.original(lang, text) for lang, text in HOSTILE]
    # The XSS one spreads: a retweet carries the payload into another row.
    js = hostile[3] = replace(hostile[3], retweets=max(hostile[3].retweets, 4))
    tweets += [
        *hostile,
        b.retweet(js.username, js.lang, js.text, js.retweets, b.later(js.created_at)),
    ]

    tweets += [b.original("en", t) for t in OFF_TOPIC_EN]
    tweets += [b.original("zh", t) for t in OFF_TOPIC_ZH]
    tweets += [b.original("und", t) for t in UNDETERMINED]
    for handle, name, lang, text in SPAM:
        tweets.append(b.original(lang, text, author=(handle, name)))
    return tweets + virals, virals


def _news_or_person(b: Builder, lang: str) -> tuple[str, str]:
    if b.rng.random() < 0.5:
        handle, name, _ = b.rng.choice([a for a in NEWS_ACCOUNTS if a[2] == lang])
        return handle, name
    return b.author(lang)


def _malformed(b: Builder, neighbour: Tweet, earlier: Tweet) -> list[list[str]]:
    """Seven broken rows, one of each kind the reader must survive (see samples/README.md)."""
    at = neighbour.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def row(text: str, *, created: str = at, likes: str = "3", tid: str | None = None) -> list[str]:
        handle, name = b.author("en")
        return [
            b.tweet_id(neighbour.created_at) if tid is None else tid,
            created, handle, name, text, "en", likes, "0", "0", "0", "212",
        ]  # fmt: skip

    return [
        row(""),
        row("Can't believe the Korean 100B+ model news was only a day ago", created="yesterday"),
        row("The Claude Skills guides are the best thing I read this week", likes="lots"),
        row("\x07\x07\x1b[31mBREAKING\x1b[0m\x08\x08 Samsung HBM4 update \x01\x02\x7f"),
        earlier.row(),
        [
            b.tweet_id(neighbour.created_at),
            at,
            "cut_off_row",
            "Cut Off",
            "this export line lost its last columns",
        ],
        row("Nvidia H200 demand is not slowing down", tid=""),
    ]


def build_rows(seed: int = SEED) -> list[list[str]]:
    """The sample's data rows (no header), in the order the file holds them."""
    b = Builder(seed)
    tweets, virals = _well_formed(b)
    tweets.sort(key=lambda t: (t.created_at, t.id))
    rows = [t.row() for t in tweets]
    middle = len(rows) // 2
    earlier = min(virals, key=lambda t: t.created_at)
    if earlier.created_at >= tweets[middle].created_at:
        raise AssertionError("the duplicated viral tweet must come before the middle")
    broken = _malformed(b, tweets[middle], earlier)
    # Spread the broken rows through the middle of the file, a few rows apart.
    for offset, bad in enumerate(broken):
        rows.insert(middle - 20 + 7 * offset, bad)
    return rows


def render(seed: int = SEED) -> bytes:
    """The whole CSV file, header included, as UTF-8 bytes."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(build_rows(seed))
    return buf.getvalue().encode("utf-8")


def malformed_lines(data: bytes) -> list[tuple[int, str]]:
    """(first physical line, kind) of each broken row in a rendered file, for the README."""
    found: list[tuple[int, str]] = []
    seen: set[str] = set()
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    next(reader)
    start = reader.line_num + 1
    for fields in reader:
        kind = _kind(fields, seen)
        if kind:
            found.append((start, kind))
        if fields:
            seen.add(fields[0])
        start = reader.line_num + 1
    return found


def _kind(fields: Sequence[str], seen: set[str]) -> str:
    if len(fields) != len(COLUMNS):
        return "too few columns"
    tid, created, _, _, text, _, likes = fields[:7]
    if not tid:
        return "missing id"
    if tid in seen:
        return "duplicate id"
    if not text:
        return "empty text"
    if not created.endswith("Z"):
        return "unparseable date"
    if not likes.isdigit():
        return "non-numeric like_count"
    if any((ord(c) < 32 and c != "\n") or ord(c) == 127 for c in text):
        return "control characters"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Write the sample (or, with ``--check``, compare it) and list its broken lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--check", action="store_true", help="fail if --out differs")
    args = parser.parse_args(argv)
    data = render(args.seed)
    stories = render_stories(args.seed)
    stories_out = args.out.with_name(args.out.name.replace("tweets-", "stories-"))
    if args.check:
        for path, want in ((args.out, data), (stories_out, stories)):
            if not path.exists() or path.read_bytes() != want:
                print(f"{path} is stale: run python samples/make_sample.py", file=sys.stderr)
                return 1
    else:
        args.out.write_bytes(data)
        stories_out.write_bytes(stories)
    rows = data.count(b"\r\n") - 1
    print(f"{args.out}: {rows} rows, {len(data)} bytes")
    for line, kind in malformed_lines(data):
        print(f"  line {line}: {kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
