/**
 * The privacy-policy text residents agree to. The version comes from `POLICY_VERSION`; change the text and the
 * version together, and a released mini-program shows the new text and asks again.
 */
export const POLICY_TITLE = '我们怎样保护您的信息';

export const POLICY_SECTIONS: ReadonlyArray<{ heading: string; items: ReadonlyArray<{ head?: string; text: string }> }> = [
  {
    heading: '我们收集什么，为什么',
    items: [
      { head: '微信登录标识', text: '用来认出是您本人。我们拿不到您的微信密码和聊天记录。' },
      { head: '姓名、所在村（社区）', text: '方便村医联系您，统计活动参加情况。' },
      { head: '手机号', text: '只有您点“用微信手机号”或自己填写时才有，用来通知讲座和筛查时间。加密保存，页面上只显示部分号码。' },
      { head: '性别、出生年份', text: '用来判断您能不能参加有年龄、性别要求的筛查（例如“两癌”筛查），也用来在“健康知识”里给您推荐适合您这个年龄段的文章。' },
      { head: '答题和报名记录', text: '用来发放奖励、安排座位。最近答错的题，只用来推荐讲解它的文章。' },
      { head: '“为您推荐”', text: '只看三样：性别、年龄段、最近答错的题。不看您读过什么去猜您的喜好，推荐结果也不保存。' },
    ],
  },
  {
    heading: '我们不做什么',
    items: [{ text: '不卖给任何人，不在微信群里说您的个人情况。孩子的健康情况、参保家人的信息，办理时会另外问您是否同意。' }],
  },
  {
    heading: '您随时可以',
    items: [{ text: '在“我的”页面查看、导出、删除自己的信息，也可以在隐私说明页撤回同意。已经出单的保险，保单信息按保险合同由保险公司保存。' }],
  },
];
